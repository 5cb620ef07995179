"""Stream sessions on every backend (the Redis bus on postgresql+redis):
which events reach which stream, rendered for the viewer, checked against
blocks, mutes and visibility when they are sent, and slow consumers
dropped."""

from __future__ import annotations

import json
from typing import Any

import pytest
from starlette.websockets import WebSocketDisconnect

from roost.config import Settings
from roost.kernel.auth import hash_token
from roost.streaming.streams import BadStream, parse_stream
from tests.accounts.signup_support import signed_up
from tests.helpers import ApiClient, User
from tests.oauth.support import register_app
from tests.streaming.support import events, next_event, open_session


def post(client: ApiClient, user: User, text: str, **extra: Any) -> str:
    response = client.post("/api/v1/statuses", user=user, data={"status": text, **extra})
    assert response.status_code == 200, response.text
    return str(response.json()["id"])


def follow(client: ApiClient, user: User, target: User) -> None:
    assert client.post(f"/api/v1/accounts/{target.id}/follow", user=user).status_code == 200


def test_user_stream_gets_updates_notifications_and_deletes(client: ApiClient) -> None:
    alice, bob = client.make_user("alice"), client.make_user("bob")
    follow(client, alice, bob)
    client.drain()
    session = open_session(client, alice, "user")
    status_id = post(client, bob, "hello followers")
    mine = post(client, alice, "like this")
    client.post(f"/api/v1/statuses/{mine}/favourite", user=bob)
    assert next_event(client, session, 0.2) is None  # nothing before the workers ran
    client.drain()
    got = events(client, session)
    updates = [p["id"] for e, p in got if e == "update"]
    assert updates == [status_id, mine]
    # Rendered for the viewer: the flags are there.
    assert [p["favourited"] for e, p in got if e == "update"] == [False, False]
    notes = [p for e, p in got if e == "notification"]
    assert [(n["type"], n["status"]["id"]) for n in notes] == [("favourite", mine)]
    client.delete(f"/api/v1/statuses/{status_id}", user=bob)
    client.drain()
    assert events(client, session) == [("delete", status_id)]


def test_notification_stream_gets_only_notifications(client: ApiClient) -> None:
    alice, bob = client.make_user("alice"), client.make_user("bob")
    follow(client, alice, bob)
    session = open_session(client, alice, "user:notification")
    post(client, bob, "hi @alice")
    client.drain()
    assert [(e, p["type"]) for e, p in events(client, session)] == [("notification", "mention")]


def test_each_event_is_checked_against_mutes_and_blocks_when_sent(client: ApiClient) -> None:
    alice, bob, carol = (client.make_user(n) for n in ("alice", "bob", "carol"))
    follow(client, alice, bob)
    session = open_session(client, alice, "user")
    public = open_session(client, alice, "public")
    post(client, bob, "before the mute")
    post(client, carol, "carol in public")
    client.drain()
    # Muted and blocked after the events were published, before they are sent.
    client.post(f"/api/v1/accounts/{bob.id}/mute", user=alice)
    client.post(f"/api/v1/accounts/{carol.id}/block", user=alice)
    assert events(client, session) == []
    assert events(client, public) == []


def test_public_and_hashtag_streams(client: ApiClient) -> None:
    alice, bob = client.make_user("alice"), client.make_user("bob")
    public = open_session(client, None, "public")
    local = open_session(client, alice, "public:local")
    tagged = open_session(client, None, "hashtag", "Roost")
    remote = open_session(client, None, "public:remote")
    shown = post(client, bob, "about #roost")
    post(client, bob, "quiet #roost", visibility="unlisted")
    post(client, bob, "friends only #roost", visibility="private")
    other = post(client, bob, "another topic")
    client.post(f"/api/v1/statuses/{shown}/reblog", user=alice)  # reblogs stay out
    client.drain()
    assert [p["id"] for _, p in events(client, public)] == [shown, other]
    assert [p["id"] for _, p in events(client, local)] == [shown, other]
    assert [p["id"] for _, p in events(client, tagged)] == [shown]
    assert events(client, remote) == []
    client.delete(f"/api/v1/statuses/{shown}", user=bob)
    client.drain()
    assert ("delete", shown) in events(client, tagged)


def test_direct_stream(client: ApiClient) -> None:
    alice, bob, carol = (client.make_user(n) for n in ("alice", "bob", "carol"))
    direct = open_session(client, alice, "direct")
    snooping = open_session(client, carol, "direct")
    secret = post(client, bob, "psst @alice", visibility="direct")
    post(client, bob, "public @alice")
    client.drain()
    got = events(client, direct)
    assert [e for e, _ in got] == ["conversation"]  # as Mastodon: the conversation
    assert got[0][1]["last_status"]["id"] == secret
    assert [a["id"] for a in got[0][1]["accounts"]] == [bob.sid]
    assert events(client, snooping) == []


def test_a_slow_consumer_is_dropped(client: ApiClient) -> None:
    alice = client.make_user("alice")
    session = open_session(client, None, "public")
    session.subscription._limit = 2  # a tiny queue for this one consumer
    for i in range(4):
        post(client, alice, f"post {i}")
    client.drain()
    assert session.overflowed
    with pytest.raises(StopAsyncIteration):
        next_event(client, session, 0.1)


def test_bad_streams_are_refused() -> None:
    for name, tag, status in [
        (None, None, 400),
        ("nope", None, 400),
        ("hashtag", "", 400),
        ("list", None, 400),
    ]:
        with pytest.raises(BadStream) as refused:
            parse_stream(name, tag)
        assert refused.value.status == status


def test_user_streams_need_a_user(client: ApiClient) -> None:
    with pytest.raises(BadStream) as refused:
        open_session(client, None, "user")
    assert refused.value.status == 401


def test_websocket_multiplexes_streams(client: ApiClient) -> None:
    alice, bob = client.make_user("alice"), client.make_user("bob")
    follow(client, alice, bob)
    with client.http.websocket_connect(f"/api/v1/streaming?access_token={alice.token}") as ws:
        ws.send_text(json.dumps({"type": "subscribe", "stream": "hashtag", "tag": "news"}))
        ws.send_text(json.dumps({"type": "subscribe", "stream": "user"}))
        ws.send_text(json.dumps({"type": "subscribe", "stream": "list", "list": "1"}))
        refused = json.loads(ws.receive_text())
        assert refused == {"error": "Record not found", "status": 404}  # not alice's list
        status_id = post(client, bob, "breaking #news")
        client.drain()
        received = [json.loads(ws.receive_text()) for _ in range(2)]
        assert sorted(m["stream"] for m in received) == [["hashtag", "news"], ["user"]]
        for message in received:
            assert message["event"] == "update"
            assert isinstance(message["payload"], str)  # JSON text, not an object
            assert json.loads(message["payload"])["id"] == status_id
        ws.send_text(json.dumps({"type": "unsubscribe", "stream": "hashtag", "tag": "news"}))
        ws.send_text("not json")
        assert json.loads(ws.receive_text()) == {"error": "Malformed message", "status": 400}
        client.delete(f"/api/v1/statuses/{status_id}", user=bob)
        client.drain()
        deleted = json.loads(ws.receive_text())
        assert deleted == {"stream": ["user"], "event": "delete", "payload": status_id}


def test_websocket_token_as_subprotocol_and_bad_tokens(client: ApiClient) -> None:
    alice = client.make_user("alice")
    with client.http.websocket_connect(
        "/api/v1/streaming?stream=user", subprotocols=[alice.token]
    ) as ws:
        assert ws.accepted_subprotocol == alice.token
        ws.send_text(json.dumps({"type": "subscribe", "stream": "nope"}))
        assert json.loads(ws.receive_text())["status"] == 400
    with (
        pytest.raises(WebSocketDisconnect),
        client.http.websocket_connect("/api/v1/streaming?access_token=wrong") as ws,
    ):
        ws.receive_text()


def test_shared_rendering_equals_the_viewers_own(client: ApiClient) -> None:
    alice, bob = client.make_user("alice"), client.make_user("bob")
    follow(client, alice, bob)
    session = open_session(client, alice, "user")
    status_id = post(client, bob, "one rendering for all, @alice #shared")
    client.drain()
    got = events(client, session)
    assert [e for e, _ in got] == ["update", "notification"]
    direct = client.get(f"/api/v1/statuses/{status_id}", user=alice).json()
    assert got[0][1] == direct
    assert got[1][1]["status"] == direct


def test_reblogs_and_private_statuses_carry_the_viewers_flags(client: ApiClient) -> None:
    alice, bob, carol = (client.make_user(n) for n in ("alice", "bob", "carol"))
    follow(client, alice, bob)
    original = post(client, carol, "liked before")
    client.post(f"/api/v1/statuses/{original}/favourite", user=alice)
    client.drain()
    session = open_session(client, alice, "user")
    reblog = client.post(f"/api/v1/statuses/{original}/reblog", user=bob).json()["id"]
    private = post(client, bob, "followers only", visibility="private")
    client.drain()
    got = {p["id"]: p for _, p in events(client, session)}
    assert got[reblog]["reblog"]["favourited"] is True
    assert got[private]["visibility"] == "private"
    assert got[private]["favourited"] is False


def test_pending_accounts_get_no_streams(settings: Settings) -> None:
    with ApiClient.start(settings.replace(registrations_mode="approved")) as client:
        gina = signed_up(client, register_app(client), "gina", reason="I stream")
        refused = client.get("/api/v1/streaming/user", user=gina)
        assert refused.status_code == 403
        with (
            pytest.raises(WebSocketDisconnect),
            client.http.websocket_connect(f"/api/v1/streaming?access_token={gina.token}") as ws,
        ):
            ws.receive_text()


def test_revoking_the_token_ends_its_streams(client: ApiClient) -> None:
    alice, bob = client.make_user("alice"), client.make_user("bob")
    mine = open_session(client, alice, "user")
    other = open_session(client, bob, "user")
    client.call(client.services.tokens.revoke, hash_token(alice.token))
    with pytest.raises(StopAsyncIteration):
        next_event(client, mine)
    assert next_event(client, other, 0.2) is None  # still open
    with client.http.websocket_connect(f"/api/v1/streaming?access_token={bob.token}") as ws:
        ws.send_text(json.dumps({"type": "subscribe", "stream": "user"}))
        ws.send_text(json.dumps({"type": "subscribe", "stream": "bogus"}))
        assert json.loads(ws.receive_text())["status"] == 400  # subscribed by now
        client.call(client.services.tokens.revoke, hash_token(bob.token))
        with pytest.raises(WebSocketDisconnect):
            ws.receive_text()
