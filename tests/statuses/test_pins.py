"""Pins: own public/unlisted statuses only, at most five, ``pinned`` for
the author, and ``pinned=true`` on the account's statuses."""

from __future__ import annotations

from roost.db import schema
from tests.helpers import ApiClient
from tests.statuses.support import count_rows, post


def test_pin_unpin_and_list(client: ApiClient) -> None:
    alice = client.make_user("alice")
    bob = client.make_user("bob")
    older = post(client, alice, "older")["id"]
    newer = post(client, alice, "newer", visibility="unlisted")["id"]
    post(client, alice, "not pinned")
    assert post(client, alice, "x")["pinned"] is False
    for sid in (older, newer, newer):
        pinned = client.post(f"/api/v1/statuses/{sid}/pin", user=alice)
        assert pinned.status_code == 200, pinned.text
        assert pinned.json()["pinned"] is True
    assert count_rows(client, schema.status_pins) == 2
    listed = client.get(f"/api/v1/accounts/{alice.id}/statuses", params={"pinned": "true"})
    assert [s["id"] for s in listed.json()] == [newer, older]
    assert "pinned" not in listed.json()[0]  # only the author sees the flag
    assert client.get(f"/api/v1/statuses/{older}", user=alice).json()["pinned"] is True
    assert "pinned" not in client.get(f"/api/v1/statuses/{older}", user=bob).json()
    paged = client.get(
        f"/api/v1/accounts/{alice.id}/statuses", params={"pinned": "true", "max_id": older}
    )
    assert paged.json() == []

    unpinned = client.post(f"/api/v1/statuses/{older}/unpin", user=alice)
    assert unpinned.status_code == 200 and unpinned.json()["pinned"] is False
    assert client.post(f"/api/v1/statuses/{older}/unpin", user=alice).status_code == 200
    listed = client.get(f"/api/v1/accounts/{alice.id}/statuses", params={"pinned": "true"})
    assert [s["id"] for s in listed.json()] == [newer]
    client.delete(f"/api/v1/statuses/{newer}", user=alice)
    assert count_rows(client, schema.status_pins) == 0


def test_pin_rules(client: ApiClient) -> None:
    alice = client.make_user("alice")
    bob = client.make_user("bob")
    theirs = post(client, bob, "bob's")["id"]
    assert client.post(f"/api/v1/statuses/{theirs}/pin", user=alice).status_code == 404
    assert client.post(f"/api/v1/statuses/{theirs}/pin").status_code == 401
    for visibility in ("private", "direct"):
        hidden = post(client, alice, "@bob psst", visibility=visibility)["id"]
        assert client.post(f"/api/v1/statuses/{hidden}/pin", user=alice).status_code == 422
    boost = client.post(f"/api/v1/statuses/{theirs}/reblog", user=alice).json()["id"]
    assert client.post(f"/api/v1/statuses/{boost}/pin", user=alice).status_code == 422
    mine = [post(client, alice, f"s{i}")["id"] for i in range(6)]
    for sid in mine[:5]:
        assert client.post(f"/api/v1/statuses/{sid}/pin", user=alice).status_code == 200
    sixth = client.post(f"/api/v1/statuses/{mine[5]}/pin", user=alice)
    assert sixth.status_code == 422
    assert count_rows(client, schema.status_pins) == 5
