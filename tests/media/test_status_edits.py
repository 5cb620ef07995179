"""Editing a status's media: add, reorder, drop (files removed by a job),
describe, and the same attach rules as posting."""

from __future__ import annotations

from tests.helpers import ApiClient
from tests.media.support import jpeg_bytes, media_files, ready_media
from tests.media.test_uploads import count_media


def test_edit_adds_reorders_drops_and_describes_media(client: ApiClient) -> None:
    alice = client.make_user("alice")
    first = ready_media(client, alice)
    second = ready_media(client, alice, jpeg_bytes(width=40, height=30))
    posted = client.post(
        "/api/v1/statuses", user=alice, json={"status": "pics", "media_ids": [first]}
    ).json()
    sid = posted["id"]
    both = client.put(
        f"/api/v1/statuses/{sid}",
        user=alice,
        json={
            "status": "",
            "media_ids": [second, first],
            "media_attributes": [{"id": first, "description": "a cat", "focus": "0.5,-0.5"}],
        },
    )
    assert both.status_code == 200, both.text
    media = both.json()["media_attachments"]
    assert [m["id"] for m in media] == [second, first]
    assert media[1]["description"] == "a cat"
    assert media[1]["meta"]["focus"] == {"x": 0.5, "y": -0.5}
    client.drain()
    files_before = len(media_files(client))

    dropped = client.put(
        f"/api/v1/statuses/{sid}", user=alice, json={"status": "one", "media_ids": [second]}
    )
    assert [m["id"] for m in dropped.json()["media_attachments"]] == [second]
    client.drain()
    assert count_media(client) == 1
    assert len(media_files(client)) < files_before
    # Text alone keeps the media.
    kept = client.put(f"/api/v1/statuses/{sid}", user=alice, json={"status": "text only"})
    assert [m["id"] for m in kept.json()["media_attachments"]] == [second]


def test_edit_media_rules(client: ApiClient) -> None:
    alice = client.make_user("alice")
    bob = client.make_user("bob")
    sid = client.post("/api/v1/statuses", user=alice, json={"status": "x"}).json()["id"]
    theirs = ready_media(client, bob)
    refused = client.put(
        f"/api/v1/statuses/{sid}", user=alice, json={"status": "x", "media_ids": [theirs]}
    )
    assert refused.status_code == 422
    mine = [ready_media(client, alice) for _ in range(5)]
    too_many = client.put(
        f"/api/v1/statuses/{sid}", user=alice, json={"status": "x", "media_ids": mine}
    )
    assert too_many.status_code == 422
    twice = client.put(
        f"/api/v1/statuses/{sid}", user=alice, json={"status": "x", "media_ids": [mine[0]] * 2}
    )
    assert twice.status_code == 422
    poll = client.post(
        "/api/v1/statuses",
        user=alice,
        json={"status": "q", "poll": {"options": ["a", "b"], "expires_in": 600}},
    ).json()["id"]
    mixed = client.put(
        f"/api/v1/statuses/{poll}",
        user=alice,
        json={
            "status": "q",
            "media_ids": [mine[0]],
            "poll": {"options": ["a", "b"], "expires_in": 600},
        },
    )
    assert mixed.status_code == 422
    blank = client.put(f"/api/v1/statuses/{sid}", user=alice, json={"status": "", "media_ids": []})
    assert blank.status_code == 422
    assert client.get(f"/api/v1/statuses/{sid}").json()["media_attachments"] == []
