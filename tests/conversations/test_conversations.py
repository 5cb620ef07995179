"""Conversations: direct-message threads per set of participants, kept by
the fan-out job, read, marked read and removed by their owner."""

from __future__ import annotations

from typing import Any

from tests.helpers import ApiClient, User
from tests.timelines.support import delete, post


def conversations(client: ApiClient, user: User, **params: Any) -> list[dict[str, Any]]:
    response = client.get("/api/v1/conversations", user=user, params=params)
    assert response.status_code == 200, response.text
    return list(response.json())


def test_direct_statuses_make_conversations(client: ApiClient) -> None:
    alice, bob, carol = (client.make_user(n) for n in ("alice", "bob", "carol"))
    first = post(client, alice, f"@{bob.username} hi", visibility="direct")
    client.drain()
    reply = post(client, bob, f"@{alice.username} hello", visibility="direct", in_reply_to_id=first)
    group = post(client, alice, f"@{bob.username} @{carol.username} all of us", visibility="direct")
    post(client, alice, f"@{bob.username} not direct")
    client.drain()
    mine = conversations(client, alice)
    assert [c["last_status"]["id"] for c in mine] == [group, reply]
    assert [sorted(a["id"] for a in c["accounts"]) for c in mine] == [
        sorted([bob.sid, carol.sid]),
        [bob.sid],
    ]
    assert [c["unread"] for c in mine] == [False, True]  # bob's reply is new to alice
    bobs = conversations(client, bob)
    assert [c["last_status"]["id"] for c in bobs] == [group, reply]
    assert [c["unread"] for c in bobs] == [True, False]
    carols = conversations(client, carol)
    assert [(c["last_status"]["id"], c["unread"]) for c in carols] == [(group, True)]
    # Paging by the last status.
    assert [c["last_status"]["id"] for c in conversations(client, alice, limit=1)] == [group]
    assert [c["last_status"]["id"] for c in conversations(client, alice, max_id=group)] == [reply]


def test_read_and_remove(client: ApiClient) -> None:
    alice, bob = client.make_user("alice"), client.make_user("bob")
    post(client, bob, f"@{alice.username} psst", visibility="direct")
    client.drain()
    (conversation,) = conversations(client, alice)
    cid = conversation["id"]
    assert conversation["unread"] is True
    assert client.post(f"/api/v1/conversations/{cid}/read", user=bob).status_code == 404
    read = client.post(f"/api/v1/conversations/{cid}/read", user=alice)
    assert read.status_code == 200, read.text
    assert read.json()["unread"] is False and read.json()["id"] == cid
    assert conversations(client, alice)[0]["unread"] is False
    assert client.delete(f"/api/v1/conversations/{cid}", user=bob).status_code == 404
    assert client.delete(f"/api/v1/conversations/{cid}", user=alice).json() == {}
    assert conversations(client, alice) == []
    assert len(conversations(client, bob)) == 1
    # A new message brings it back, unread.
    again = post(client, bob, f"@{alice.username} still there?", visibility="direct")
    client.drain()
    (back,) = conversations(client, alice)
    assert back["last_status"]["id"] == again and back["unread"] is True


def test_a_deleted_last_status_shows_as_null(client: ApiClient) -> None:
    alice, bob = client.make_user("alice"), client.make_user("bob")
    sid = post(client, bob, f"@{alice.username} oops", visibility="direct")
    client.drain()
    delete(client, bob, sid)
    client.drain()
    (conversation,) = conversations(client, alice)
    assert conversation["last_status"] is None
