"""Favourites, reblogs and bookmarks: idempotent, with exact counters."""

from __future__ import annotations

from roost.db import schema
from tests.helpers import ApiClient
from tests.statuses.support import account_row, count_rows, jobs_of_kind, post


def test_favourite_twice_counts_once(client: ApiClient) -> None:
    alice = client.make_user("alice")
    bob = client.make_user("bob")
    status = post(client, alice, "like me")
    sid = status["id"]
    for _ in range(2):
        response = client.post(f"/api/v1/statuses/{sid}/favourite", user=bob)
        assert response.status_code == 200
        assert response.json()["favourited"] is True
        assert response.json()["favourites_count"] == 1
    assert client.get(f"/api/v1/statuses/{sid}", user=bob).json()["favourited"] is True
    assert client.get(f"/api/v1/statuses/{sid}", user=alice).json()["favourited"] is False
    for _ in range(2):
        response = client.post(f"/api/v1/statuses/{sid}/unfavourite", user=bob)
        assert response.status_code == 200
        assert response.json()["favourited"] is False
        assert response.json()["favourites_count"] == 0
    assert count_rows(client, schema.favourites) == 0
    assert client.get(f"/api/v1/statuses/{sid}").json()["favourites_count"] == 0


def test_favourited_by_and_favourites_list_page_with_links(client: ApiClient) -> None:
    alice = client.make_user("alice")
    fans = [client.make_user(f"fan{i}") for i in range(3)]
    statuses = [post(client, alice, f"s{i}") for i in range(3)]
    for fan in fans:
        client.post(f"/api/v1/statuses/{statuses[0]['id']}/favourite", user=fan)
    page = client.get(f"/api/v1/statuses/{statuses[0]['id']}/favourited_by", params={"limit": 2})
    assert page.status_code == 200
    assert [a["id"] for a in page.json()] == [fans[2].sid, fans[1].sid]
    link = page.headers["Link"]
    assert link.index('rel="next"') < link.index('rel="prev"')
    next_url = link.split(";")[0].strip("<>")
    rest = client.get(next_url)
    assert [a["id"] for a in rest.json()] == [fans[0].sid]

    fan = fans[0]
    for status in statuses:
        client.post(f"/api/v1/statuses/{status['id']}/favourite", user=fan)
    mine = client.get("/api/v1/favourites", user=fan, params={"limit": 2})
    assert mine.status_code == 200
    # Newest favourite first (paged by the favourite, not by the status).
    assert [s["id"] for s in mine.json()] == [statuses[2]["id"], statuses[1]["id"]]
    assert all(s["favourited"] for s in mine.json())
    older = client.get(mine.headers["Link"].split(";")[0].strip("<>"), user=fan)
    assert [s["id"] for s in older.json()] == [statuses[0]["id"]]
    newer_url = mine.headers["Link"].split(", ")[1].split(";")[0].strip("<>")
    assert client.get(newer_url, user=fan).json() == []


def test_reblog_is_idempotent_and_shows_original(client: ApiClient) -> None:
    alice = client.make_user("alice")
    bob = client.make_user("bob")
    status = post(client, alice, "share me #tag")
    first = client.post(f"/api/v1/statuses/{status['id']}/reblog", user=bob)
    assert first.status_code == 200, first.text
    wrapper = first.json()
    assert wrapper["id"] != status["id"]
    assert wrapper["account"]["id"] == bob.sid
    assert wrapper["reblog"]["id"] == status["id"]
    assert wrapper["reblog"]["reblogs_count"] == 1
    assert wrapper["reblog"]["reblogged"] is True
    assert wrapper["reblog"]["tags"] == [{"name": "tag", "url": "http://testserver/tags/tag"}]
    assert wrapper["content"] == ""
    second = client.post(f"/api/v1/statuses/{status['id']}/reblog", user=bob)
    assert second.json()["id"] == wrapper["id"]
    # Reblogging the reblog reblogs the original.
    third = client.post(f"/api/v1/statuses/{wrapper['id']}/reblog", user=bob)
    assert third.json()["id"] == wrapper["id"]
    assert count_rows(client, schema.statuses, schema.statuses.c.reblog_of_id.isnot(None)) == 1
    assert {"status_id": int(wrapper["id"]), "notify": True} in jobs_of_kind(
        client, "fanout_status"
    )
    assert client.get(f"/api/v1/statuses/{wrapper['id']}").json()["reblog"]["id"] == status["id"]
    by = client.get(f"/api/v1/statuses/{status['id']}/reblogged_by")
    assert [a["id"] for a in by.json()] == [bob.sid]
    assert account_row(client, bob)["statuses_count"] == 1

    undone = client.post(f"/api/v1/statuses/{status['id']}/unreblog", user=bob)
    assert undone.status_code == 200
    assert undone.json()["id"] == status["id"]
    assert undone.json()["reblogged"] is False
    assert undone.json()["reblogs_count"] == 0
    assert client.post(f"/api/v1/statuses/{status['id']}/unreblog", user=bob).status_code == 200
    assert client.get(f"/api/v1/statuses/{wrapper['id']}").status_code == 404
    unfanouts = jobs_of_kind(client, "unfanout_status")
    assert unfanouts == [
        {"status_id": int(wrapper["id"]), "author_id": bob.id, "reblog_of_id": int(status["id"])}
    ]
    assert account_row(client, bob)["statuses_count"] == 0


def test_bookmarks(client: ApiClient) -> None:
    alice = client.make_user("alice")
    bob = client.make_user("bob")
    status = post(client, alice, "keep")
    for _ in range(2):
        response = client.post(f"/api/v1/statuses/{status['id']}/bookmark", user=bob)
        assert response.status_code == 200
        assert response.json()["bookmarked"] is True
    listed = client.get("/api/v1/bookmarks", user=bob)
    assert [s["id"] for s in listed.json()] == [status["id"]]
    assert "Link" in listed.headers
    assert client.get("/api/v1/bookmarks", user=alice).json() == []
    response = client.post(f"/api/v1/statuses/{status['id']}/unbookmark", user=bob)
    assert response.json()["bookmarked"] is False
    assert client.get("/api/v1/bookmarks", user=bob).json() == []


def test_actions_on_unknown_status_are_404(client: ApiClient) -> None:
    bob = client.make_user("bob")
    for action in ("favourite", "unfavourite", "reblog", "unreblog", "bookmark", "unbookmark"):
        response = client.post(f"/api/v1/statuses/123456/{action}", user=bob)
        assert response.status_code == 404, action
        response = client.post(f"/api/v1/statuses/{1 << 70}/{action}", user=bob)
        assert response.status_code == 404, action
    assert client.get("/api/v1/favourites").status_code == 401
