"""The process-local memo of resolved tokens (roost.oauth.token_memo): what
it keeps, how long, and that revocations reach it on this process at once
and on other processes through the event bus."""

from __future__ import annotations

import asyncio
import time

import pytest

from roost.config import Settings
from roost.kernel.auth import Viewer
from roost.oauth.token_memo import TOKENS_CHANNEL, TokenMemo, revocation_message
from roost.services import Services
from tests.helpers import ApiClient
from tests.oauth.support import bearer, password_login, register_app

VIEWER = Viewer(1, 2, 3, frozenset({"read"}))


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_an_entry_lives_for_the_ttl_at_most() -> None:
    clock = Clock()
    memo = TokenMemo(5.0, clock=clock)
    memo.put("h", "hash-h", VIEWER, memo.generation)
    assert memo.get("h") is VIEWER
    clock.now += 4.9
    assert memo.get("h") is VIEWER
    clock.now += 0.2
    assert memo.get("h") is None
    assert len(memo) == 0


def test_dropped_tokens_are_gone_and_others_stay() -> None:
    memo = TokenMemo(60.0)
    memo.put("a", "hash-a", VIEWER, memo.generation)
    memo.put("b", "hash-b", VIEWER, memo.generation)
    memo.drop(["hash-a"])
    assert memo.get("a") is None
    assert memo.get("b") is VIEWER


def test_a_lookup_begun_before_a_revocation_is_not_kept() -> None:
    memo = TokenMemo(60.0)
    started = memo.generation  # the lookup reads the shared cache...
    memo.drop(["hash-h"])  # ...while the token is revoked
    memo.put("h", "hash-h", VIEWER, started)
    assert memo.get("h") is None
    memo.put("h", "hash-h", VIEWER, memo.generation)
    assert memo.get("h") is VIEWER


def test_zero_seconds_keeps_nothing_and_a_full_memo_starts_over() -> None:
    off = TokenMemo(0.0)
    off.put("h", "hash-h", VIEWER, off.generation)
    assert off.get("h") is None
    small = TokenMemo(60.0, limit=2)
    for name in ("a", "b", "c"):
        small.put(name, "hash-" + name, VIEWER, small.generation)
    assert len(small) <= 2 and small.get("c") is VIEWER


def test_the_watcher_drops_what_the_bus_says_was_revoked() -> None:
    from roost.infra.events import MemoryEventBus

    async def scenario() -> None:
        bus = MemoryEventBus()
        memo = TokenMemo(60.0)
        memo.put("a", "hash-a", VIEWER, memo.generation)
        memo.put("b", "hash-b", VIEWER, memo.generation)
        watcher = asyncio.create_task(memo.watch(bus))
        for _ in range(100):  # the watcher subscribes in its first steps
            if TOKENS_CHANNEL in bus.hub.by_channel:
                break
            await asyncio.sleep(0)
        await bus.publish(TOKENS_CHANNEL, revocation_message(["hash-a"]))
        await bus.publish(TOKENS_CHANNEL, b"not msgpack of a list")  # ignored
        for _ in range(100):
            if memo.get("a") is None:
                break
            await asyncio.sleep(0)
        assert memo.get("a") is None
        assert memo.get("b") is VIEWER
        watcher.cancel()
        with pytest.raises(asyncio.CancelledError):
            await watcher

    asyncio.run(scenario())


def test_a_resolved_token_is_kept_and_revocation_ends_it_at_once(client: ApiClient) -> None:
    client.make_user("alice")
    app = register_app(client)
    token = password_login(client, app, "alice").json()["access_token"]
    headers = bearer(token)
    assert client.get("/api/v1/timelines/home", headers=headers).status_code == 200
    memo = client.services.tokens.memo
    assert memo.get(token) is not None
    response = client.post(
        "/oauth/revoke",
        data={"client_id": app["client_id"], "client_secret": app["client_secret"], "token": token},
    )
    assert response.status_code == 200
    assert memo.get(token) is None
    assert client.get("/api/v1/timelines/home", headers=headers).status_code == 401


def test_a_suspended_accounts_token_leaves_the_memo(client: ApiClient) -> None:
    alice = client.make_user("alice")
    headers = bearer(alice.token)
    assert client.get("/api/v1/timelines/home", headers=headers).status_code == 200
    memo = client.services.tokens.memo
    assert memo.get(alice.token) is not None
    client.call(client.services.tokens.forget_account, alice.id)
    assert memo.get(alice.token) is None


async def _listening(services: Services) -> None:
    """Until the process's watcher listens on the bus (Redis: subscribed)."""
    from roost.infra.redis_events import RedisEventBus

    bus = services.events
    assert isinstance(bus, RedisEventBus)
    for _ in range(3000):  # a guard against hanging, not a measure
        if TOKENS_CHANNEL in bus.hub.by_channel:
            break
        await asyncio.sleep(0.01)
    await bus.ready()


@pytest.mark.parametrize("backend", ["postgresql+redis"])
def test_a_token_revoked_on_another_process_stops_working_here(settings: Settings) -> None:
    # A memo that would keep the token for an hour: only the bus can end it.
    settings = settings.replace(token_memo_seconds=3600.0)
    with ApiClient.start(settings) as first, ApiClient.start(settings) as second:
        first.make_user("alice")
        app = register_app(first)
        token = password_login(first, app, "alice").json()["access_token"]
        headers = bearer(token)
        second.call(_listening, second.services)
        assert second.get("/api/v1/timelines/home", headers=headers).status_code == 200
        memo = second.services.tokens.memo
        assert memo.get(token) is not None
        revoked = first.post(
            "/oauth/revoke",
            data={
                "client_id": app["client_id"],
                "client_secret": app["client_secret"],
                "token": token,
            },
        )
        assert revoked.status_code == 200
        deadline = time.monotonic() + 30  # a guard against hanging, not a measure
        while memo.get(token) is not None and time.monotonic() < deadline:
            time.sleep(0.01)
        assert second.get("/api/v1/timelines/home", headers=headers).status_code == 401
