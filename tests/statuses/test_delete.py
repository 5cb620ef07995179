"""DELETE /api/v1/statuses/:id: rows, dependants, counters, jobs."""

from __future__ import annotations

from roost.db import schema
from tests.helpers import ApiClient
from tests.statuses.support import account_row, count_rows, jobs_of_kind, post


def test_delete_returns_source_and_cleans_up(client: ApiClient) -> None:
    alice = client.make_user("alice")
    bob = client.make_user("bob")
    root = post(client, bob, "root")
    status = post(client, alice, "bye @bob #gone", in_reply_to_id=root["id"])
    sid = status["id"]
    client.post(f"/api/v1/statuses/{sid}/favourite", user=bob)
    client.post(f"/api/v1/statuses/{sid}/bookmark", user=bob)
    wrapper = client.post(f"/api/v1/statuses/{sid}/reblog", user=bob).json()
    assert client.get(f"/api/v1/statuses/{root['id']}").json()["replies_count"] == 1
    assert account_row(client, bob)["statuses_count"] == 2

    tag_id = int(client.get("/api/v1/tags/gone").json()["id"])
    response = client.delete(f"/api/v1/statuses/{sid}", user=alice)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["id"] == sid
    assert body["text"] == "bye @bob #gone"

    assert client.get(f"/api/v1/statuses/{sid}").status_code == 404
    assert client.get(f"/api/v1/statuses/{wrapper['id']}").status_code == 404
    context = client.get(f"/api/v1/statuses/{root['id']}/context").json()
    assert context["descendants"] == []
    assert client.get(f"/api/v1/statuses/{root['id']}").json()["replies_count"] == 0
    for table in (schema.favourites, schema.bookmarks, schema.mentions, schema.status_tags):
        assert count_rows(client, table) == 0, table.name
    assert count_rows(client, schema.statuses) == 1
    assert account_row(client, alice)["statuses_count"] == 0
    assert account_row(client, bob)["statuses_count"] == 1
    assert client.get("/api/v1/favourites", user=bob).json() == []
    jobs = jobs_of_kind(client, "unfanout_status")
    # The tags it carried: their followers got it too (#gone).
    assert {"status_id": int(sid), "author_id": alice.id, "tag_ids": [tag_id]} in jobs
    assert {
        "status_id": int(wrapper["id"]),
        "author_id": bob.id,
        "reblog_of_id": int(sid),
    } in jobs


def test_only_the_author_deletes(client: ApiClient) -> None:
    alice = client.make_user("alice")
    bob = client.make_user("bob")
    status = post(client, alice, "mine")
    assert client.delete(f"/api/v1/statuses/{status['id']}", user=bob).status_code == 404
    assert client.delete(f"/api/v1/statuses/{status['id']}").status_code == 401
    assert client.get(f"/api/v1/statuses/{status['id']}").status_code == 200
    assert client.delete("/api/v1/statuses/42", user=alice).status_code == 404
    assert client.delete(f"/api/v1/statuses/{status['id']}", user=alice).status_code == 200
    assert client.delete(f"/api/v1/statuses/{status['id']}", user=alice).status_code == 404


def test_deleted_parent_keeps_replies(client: ApiClient) -> None:
    alice = client.make_user("alice")
    bob = client.make_user("bob")
    parent = post(client, alice, "parent")
    reply = post(client, bob, "reply", in_reply_to_id=parent["id"])
    client.delete(f"/api/v1/statuses/{parent['id']}", user=alice)
    again = client.get(f"/api/v1/statuses/{reply['id']}/context")
    assert again.status_code == 200
    assert again.json() == {"ancestors": [], "descendants": []}
