"""The ``list`` stream: the list's updates and deletes, for its owner only."""

from __future__ import annotations

import json

import pytest

from roost.streaming.streams import BadStream
from tests.helpers import ApiClient
from tests.lists.support import add, make_list
from tests.streaming.support import events, open_session
from tests.timelines.support import delete, follow, post


def test_list_stream_sends_the_lists_updates_and_deletes(client: ApiClient) -> None:
    alice, bob, carol = (client.make_user(n) for n in ("alice", "bob", "carol"))
    follow(client, alice, bob)
    follow(client, alice, carol)
    list_id = make_list(client, alice)
    add(client, alice, list_id, bob)
    session = open_session(client, alice, "list", list_id=list_id)
    b1 = post(client, bob, "for the list")
    post(client, carol, "not in the list")
    client.drain()
    got = events(client, session)
    assert [(e, p["id"]) for e, p in got] == [("update", b1)]
    delete(client, bob, b1)
    client.drain()
    assert events(client, session) == [("delete", b1)]


def test_only_the_owner_may_stream_a_list(client: ApiClient) -> None:
    alice, bob = client.make_user("alice"), client.make_user("bob")
    list_id = make_list(client, alice)
    with pytest.raises(BadStream) as refused:
        open_session(client, bob, "list", list_id=list_id)
    assert refused.value.status == 404
    response = client.get("/api/v1/streaming/list", user=bob, params={"list": list_id})
    assert response.status_code == 404
    assert client.get("/api/v1/streaming/list", user=alice).status_code == 400


def test_websocket_list_subscription(client: ApiClient) -> None:
    alice, bob = client.make_user("alice"), client.make_user("bob")
    follow(client, alice, bob)
    list_id = make_list(client, alice)
    add(client, alice, list_id, bob)
    with client.http.websocket_connect(f"/api/v1/streaming?access_token={alice.token}") as ws:
        ws.send_text(json.dumps({"type": "subscribe", "stream": "list", "list": list_id}))
        ws.send_text(json.dumps({"type": "subscribe", "stream": "bogus"}))
        assert json.loads(ws.receive_text())["status"] == 400  # subscribed by now
        status_id = post(client, bob, "hello list")
        client.drain()
        message = json.loads(ws.receive_text())
        assert message["stream"] == ["list", list_id]
        assert message["event"] == "update"
        assert json.loads(message["payload"])["id"] == status_id
