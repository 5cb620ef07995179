"""The streaming API of a real served Roost (uvicorn, in-process workers),
through real clients: Mastodon.py's SSE streams, the raw SSE wire, and a
WebSocket client."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
from mastodon import Mastodon, StreamListener
from websockets.sync.client import connect

from tests.helpers import CHEAP_PASSWORD_HASHING_ENV
from tests.served import served_roost

pytestmark = pytest.mark.e2e

SCOPES = ["read", "write", "follow", "push"]
WAIT = 10.0  # upper bound of any wait; the latency asserts are tighter


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with served_roost(
        tmp_path_factory.mktemp("stream"),
        env={
            "ROOST_STREAMING_HEARTBEAT_SECONDS": "1",
            "ROOST_RATE_LIMITS": "false",
            **CHEAP_PASSWORD_HASHING_ENV,
        },
    ) as (port, _log):
        yield f"http://localhost:{port}"


def sign_up(base: str, username: str) -> Mastodon:
    client_id, client_secret = Mastodon.create_app(
        "roost-streams", api_base_url=base, scopes=SCOPES, to_file=None
    )
    api = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=base)
    api.create_account(
        username,
        "a long enough password",
        f"{username}@example.com",
        agreement=True,
        scopes=SCOPES,
        to_file=None,
    )
    return api


class Recorder(StreamListener):
    """Keeps what a stream delivered, with the time it arrived."""

    def __init__(self) -> None:
        self.ready = threading.Event()
        self.arrived = threading.Condition()
        self.events: list[tuple[str, Any, float]] = []

    def handle_heartbeat(self) -> None:
        self.ready.set()

    def on_update(self, status: Any) -> None:
        self._keep("update", status)

    def on_notification(self, notification: Any) -> None:
        self._keep("notification", notification)

    def on_delete(self, status_id: Any) -> None:
        self._keep("delete", status_id)

    def _keep(self, name: str, payload: Any) -> None:
        with self.arrived:
            self.events.append((name, payload, time.monotonic()))
            self.arrived.notify_all()

    def wait_for(self, name: str, count: int = 1) -> list[tuple[Any, float]]:
        with self.arrived:
            self.arrived.wait_for(
                lambda: len([e for e in self.events if e[0] == name]) >= count, timeout=WAIT
            )
            return [(p, t) for n, p, t in self.events if n == name]


def test_mastodon_py_streams_update_notification_and_hashtag(server: str) -> None:
    alice, bob = sign_up(server, "alice"), sign_up(server, "bob")
    alice.account_follow(bob.me()["id"])
    home, tagged = Recorder(), Recorder()
    handles = [
        alice.stream_user(home, run_async=True),
        alice.stream_hashtag("roost", tagged, run_async=True),
    ]
    try:
        assert home.ready.wait(WAIT) and tagged.ready.wait(WAIT)
        posted = bob.status_post("streaming #roost")
        sent = time.monotonic()
        (update, at), *_ = home.wait_for("update")
        assert update["id"] == posted["id"] and update["account"]["username"] == "bob"
        assert at - sent < 1.0
        (hashtagged, _), *_ = tagged.wait_for("update")
        assert hashtagged["id"] == posted["id"]

        mine = alice.status_post("like me")
        bob.status_favourite(mine["id"])
        liked = time.monotonic()
        (note, at), *_ = home.wait_for("notification")
        assert note["type"] == "favourite" and note["status"]["id"] == mine["id"]
        assert at - liked < 1.0

        bob.status_delete(posted["id"])
        (deleted, _), *_ = home.wait_for("delete")
        assert str(deleted) == str(posted["id"])
        assert [n["type"] for n in alice.notifications()] == ["favourite"]
        alice.notifications_clear()
        assert alice.notifications() == []
    finally:
        for handle in handles:
            handle.close()


def test_sse_wire_format(server: str) -> None:
    alice, bob = sign_up(server, "carol"), sign_up(server, "dave")
    alice.account_follow(bob.me()["id"])
    headers = {"Authorization": f"Bearer {alice.access_token}"}
    with httpx.stream("GET", f"{server}/api/v1/streaming/user", headers=headers, timeout=WAIT) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        chunks = r.iter_bytes()
        raw = b""
        while not raw.startswith(b":)\n"):
            raw += next(chunks)
        posted = bob.status_post("wire check")
        bob.status_delete(posted["id"])
        while raw.count(b"\n\n") < 2:
            raw += next(chunks)
    assert b"\r" not in raw
    # Heartbeat comments may fall in between; the events are exact.
    events = [line for line in raw.decode().split("\n") if line and not line.startswith(":")]
    assert events[0] == "event: update"
    assert json.loads(events[1].removeprefix("data: "))["id"] == posted["id"]
    assert events[2:] == ["event: delete", f'data: "{posted["id"]}"']
    unknown = httpx.get(f"{server}/api/v1/streaming/hashtag", timeout=WAIT)
    assert unknown.status_code == 400 and "error" in unknown.json()
    assert httpx.get(f"{server}/api/v1/streaming/user", timeout=WAIT).status_code == 401


def test_heartbeats_keep_an_idle_stream_alive(server: str) -> None:
    with httpx.stream("GET", f"{server}/api/v1/streaming/public", timeout=WAIT) as r:
        lines = r.iter_lines()
        assert next(lines) == ":)"
        started = time.monotonic()
        assert next(lines) == ":thump"  # ROOST_STREAMING_HEARTBEAT_SECONDS=1
        assert time.monotonic() - started < 5


def test_websocket_client(server: str) -> None:
    alice, bob = sign_up(server, "erin"), sign_up(server, "frank")
    ws_url = server.replace("http://", "ws://") + "/api/v1/streaming"
    instance = httpx.get(f"{server}/api/v2/instance").json()
    assert instance["configuration"]["urls"]["streaming"] == server.replace("http://", "ws://")
    with connect(ws_url, subprotocols=[alice.access_token], open_timeout=WAIT) as ws:  # type: ignore[list-item]
        ws.send(json.dumps({"type": "subscribe", "stream": "hashtag", "tag": "ws"}))
        ws.send(json.dumps({"type": "subscribe", "stream": "user:notification"}))
        ws.send(json.dumps({"type": "subscribe", "stream": "bogus"}))
        assert json.loads(ws.recv(timeout=WAIT)) == {"error": "Unknown stream type", "status": 400}
        posted = bob.status_post("over #ws @erin")
        messages = [json.loads(ws.recv(timeout=WAIT)) for _ in range(2)]
    by_event = {m["event"]: m for m in messages}
    assert by_event["update"]["stream"] == ["hashtag", "ws"]
    assert json.loads(by_event["update"]["payload"])["id"] == posted["id"]
    assert by_event["notification"]["stream"] == ["user:notification"]
    assert json.loads(by_event["notification"]["payload"])["type"] == "mention"


def test_toot_notifications(server: str, tmp_path: Path) -> None:
    grace_id = sign_up(server, "grace").me()["id"]
    heidi = sign_up(server, "heidi")
    heidi.account_follow(grace_id)
    heidi.status_post("hello @grace")
    env = {**os.environ, "HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "config")}
    toot = [str(Path(sys.executable).parent / "toot")]
    login = subprocess.run(
        [*toot, "login_cli", "--instance", server, "--email", "grace@example.com"],
        input="a long enough password\n",
        capture_output=True,
        text=True,
        env=env,
        timeout=WAIT,
    )
    assert login.returncode == 0, login.stdout + login.stderr
    deadline = time.monotonic() + WAIT
    while True:
        listed = subprocess.run(
            [*toot, "notifications"], capture_output=True, text=True, env=env, timeout=WAIT
        )
        assert listed.returncode == 0, listed.stdout + listed.stderr
        if "hello @grace" in listed.stdout or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert "heidi" in listed.stdout and "hello @grace" in listed.stdout, listed.stdout
