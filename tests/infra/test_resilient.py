"""The degraded mode of the Redis backends (roost.infra.resilient), against a
port where nothing listens and against a real Redis behind a relay that can
cut the network while Redis keeps its data."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterator

import pytest
import redis.exceptions

from roost.infra.redis_backends import (
    RedisCache,
    RedisClient,
    RedisTimelineStore,
    close_redis,
    connect_redis,
    drop_idle_connections,
    ping,
)
from roost.infra.resilient import (
    BackendUnavailable,
    Health,
    ResilientCache,
    ResilientTimelineStore,
    redis_unreachable_errors,
)
from roost.kernel.paging import Page
from tests.helpers import ManualClock
from tests.resilience.support import TcpRelay, free_port, redis_process, tcp_relay

pytestmark = pytest.mark.anyio


def health(clock: ManualClock | None = None, *, retry_interval: float = 0.0) -> Health:
    return Health(
        "Redis",
        errors=redis_unreachable_errors(),
        retry_interval=retry_interval,
        clock=clock or ManualClock(),
    )


@pytest.fixture
async def dead_client() -> AsyncIterator[RedisClient]:
    client = connect_redis(f"redis://127.0.0.1:{free_port()}/0")
    yield client
    await close_redis(client)


@pytest.fixture
def relay(redis_client: RedisClient) -> Iterator[TcpRelay]:
    with tcp_relay(6379) as relay:
        yield relay


@pytest.fixture
async def relayed(relay: TcpRelay) -> AsyncIterator[RedisClient]:
    client = connect_redis(relay.url)
    yield client
    await close_redis(client)


async def test_cache_without_redis_misses_skips_fills_and_counts_in_process(
    dead_client: RedisClient, redis_prefix: str
) -> None:
    cache = ResilientCache(RedisCache(dead_client, prefix=redis_prefix), health())
    assert await cache.get_many(["a", "b"]) == {}
    await cache.set_many({"a": b"1"}, ttl=60)
    assert await cache.get_many(["a"]) == {}
    assert [await cache.incr("n", ttl=60) for _ in range(3)] == [1, 2, 3]
    await cache.set_each({"a": (b"1", 60)})
    assert await cache.get_many(["a"]) == {}
    await cache.delete("a", "b")
    assert cache.pending_invalidations == 2
    assert await cache.replace("c", b"x", b"y", ttl=60) is False
    assert cache.pending_invalidations == 3
    assert cache.health.down


async def test_timelines_without_redis_raise_and_remember_drops(
    dead_client: RedisClient, redis_prefix: str
) -> None:
    store = ResilientTimelineStore(RedisTimelineStore(dead_client, prefix=redis_prefix), health())
    with pytest.raises(BackendUnavailable):
        await store.range("home:1", Page())
    with pytest.raises(BackendUnavailable):
        await store.push(["home:1"], 5)
    with pytest.raises(BackendUnavailable):
        await store.mark("home:1")
    await store.drop("home:1")
    assert store.pending_drops == 1
    await store.clear()
    assert store.pending_drops == 1  # the clear covers the drop


async def test_failed_invalidation_is_replayed_before_anything_is_read(
    relay: TcpRelay, relayed: RedisClient, redis_client: RedisClient, redis_prefix: str
) -> None:
    cache = ResilientCache(RedisCache(relayed, prefix=redis_prefix), health())
    direct = RedisCache(redis_client, prefix=redis_prefix)
    await cache.set_many({"account:1": b"old", "account:2": b"kept"}, ttl=600)
    relay.cut()
    await cache.delete("account:1")  # the write that changed account 1 succeeds
    assert cache.pending_invalidations == 1
    # Redis kept its data: without the replay the stale entry would be served.
    assert await direct.get_many(["account:1"]) == {"account:1": b"old"}
    relay.restore()
    assert await cache.get_many(["account:1", "account:2"]) == {"account:2": b"kept"}
    assert cache.pending_invalidations == 0
    assert await direct.get_many(["account:1", "account:2"]) == {"account:2": b"kept"}


async def test_failed_replace_is_replayed_as_an_invalidation(
    relay: TcpRelay, relayed: RedisClient, redis_client: RedisClient, redis_prefix: str
) -> None:
    """A conditional update that Redis did not get (the row it carries was
    committed) must not leave the entry it would have replaced."""
    cache = ResilientCache(RedisCache(relayed, prefix=redis_prefix), health())
    direct = RedisCache(redis_client, prefix=redis_prefix)
    await cache.set_many({"account:1": b"before the post"}, ttl=600)
    relay.cut()
    assert await cache.replace("account:1", b"before the post", b"after", ttl=600) is False
    assert cache.pending_invalidations == 1
    assert await direct.get_many(["account:1"]) == {"account:1": b"before the post"}
    relay.restore()
    assert await cache.get_many(["account:1"]) == {}
    assert await direct.get_many(["account:1"]) == {}
    # With Redis back, replace works again.
    await cache.set_many({"account:1": b"a"}, ttl=600)
    assert await cache.replace("account:1", b"a", b"b", ttl=600) is True
    assert await direct.get_many(["account:1"]) == {"account:1": b"b"}


async def test_too_many_lost_invalidations_clear_the_cache_namespace_only(
    relay: TcpRelay, relayed: RedisClient, redis_client: RedisClient, redis_prefix: str
) -> None:
    cache = ResilientCache(RedisCache(relayed, prefix=redis_prefix), health(), max_pending=3)
    await cache.set_many({f"k{i}": b"v" for i in range(10)}, ttl=600)
    store = RedisTimelineStore(redis_client, prefix=redis_prefix)
    await store.merge("home:1", [1, 2])
    relay.cut()
    for i in range(5):
        await cache.delete(f"k{i}")
    relay.restore()
    await cache.set_many({"fresh": b"v"}, ttl=600)  # replays first: a clear
    assert cache.pending_invalidations == 0
    direct = RedisCache(redis_client, prefix=redis_prefix)
    assert await direct.get_many([f"k{i}" for i in range(10)] + ["fresh"]) == {"fresh": b"v"}
    assert await store.range("home:1", Page()) == [2, 1]  # timelines untouched


async def test_failed_drop_is_replayed_before_the_next_timeline_call(
    relay: TcpRelay, relayed: RedisClient, redis_client: RedisClient, redis_prefix: str
) -> None:
    store = ResilientTimelineStore(RedisTimelineStore(relayed, prefix=redis_prefix), health())
    direct = RedisTimelineStore(redis_client, prefix=redis_prefix)
    await store.mark("home:1")  # a rebuild marked it, then failed
    await store.merge("home:2", [7])
    relay.cut()
    await store.drop("home:1")
    assert await direct.range("home:1", Page()) == []  # marked, empty: looks complete
    relay.restore()
    assert await store.range("home:2", Page()) == [7]
    assert store.pending_drops == 0
    assert await direct.range("home:1", Page()) is None  # will be rebuilt


async def test_the_breaker_fails_fast_then_one_call_probes(
    relay: TcpRelay, relayed: RedisClient, redis_prefix: str, caplog: pytest.LogCaptureFixture
) -> None:
    clock = ManualClock()
    breaker = health(clock, retry_interval=5.0)
    breaker.log_interval = 30.0
    cache = ResilientCache(RedisCache(relayed, prefix=redis_prefix), breaker)
    store = ResilientTimelineStore(RedisTimelineStore(relayed, prefix=redis_prefix), breaker)
    await cache.set_many({"a": b"1"}, ttl=600)
    caplog.set_level(logging.WARNING, logger="roost.infra")
    relay.cut()
    assert await cache.get_many(["a"]) == {}
    relay.restore()
    # Redis answers again, but the breaker is open: nothing is sent.
    for _ in range(20):
        assert await cache.get_many(["a"]) == {}
        with pytest.raises(BackendUnavailable):
            await store.range("home:1", Page())
    clock.now += 5.0
    assert await cache.get_many(["a"]) == {"a": b"1"}  # the probe closes it
    assert not breaker.down
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 2, messages
    assert "Redis unreachable, running degraded" in messages[0]
    assert "Redis reachable again" in messages[1]


async def test_a_long_outage_is_reported_every_log_interval(
    dead_client: RedisClient, redis_prefix: str, caplog: pytest.LogCaptureFixture
) -> None:
    clock = ManualClock()
    breaker = health(clock)
    cache = ResilientCache(RedisCache(dead_client, prefix=redis_prefix), breaker)
    caplog.set_level(logging.WARNING, logger="roost.infra")
    for _ in range(70):
        await cache.get_many(["a"])
        clock.now += 1.0
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 3, messages  # at 0 s, 30 s and 60 s
    assert "still unreachable after 30 s (30 calls failed" in messages[1]


async def test_errors_that_are_bugs_are_not_hidden(
    redis_client: RedisClient, redis_prefix: str
) -> None:
    store = ResilientTimelineStore(RedisTimelineStore(redis_client, prefix=redis_prefix), health())
    await redis_client.lpush(f"{redis_prefix}tl:{{home:1}}", b"x")  # not a timeline
    with pytest.raises(redis.exceptions.ResponseError):
        await store.range("home:1", Page())
    assert not store.health.down


def probing_health(client: RedisClient, clock: ManualClock) -> Health:
    """The breaker as services.py builds it: probes PING and drop idle connections."""
    return Health(
        "Redis",
        errors=redis_unreachable_errors(),
        retry_interval=1.0,
        clock=clock,
        ping=lambda: ping(client),
        reset=lambda: drop_idle_connections(client),
    )


async def test_a_restarted_redis_opens_the_breaker_once_not_once_per_pooled_connection(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with redis_process() as server:
        client = connect_redis(server.url)
        clock = ManualClock()
        breaker = probing_health(client, clock)
        cache = ResilientCache(RedisCache(client, prefix="t:"), breaker)
        try:
            # Six connections in the pool, all dead once Redis restarts.
            await asyncio.gather(*(cache.get_many(["a"]) for _ in range(6)))
            server.kill()
            server.start()
            caplog.set_level(logging.WARNING, logger="roost.infra")
            for calls in (1, 1, 6, 6, 6):  # the load comes back after the probe
                await asyncio.gather(*(cache.get_many(["a"]) for _ in range(calls)))
                clock.now += 1.0
            assert not breaker.down
            messages = [r.getMessage() for r in caplog.records]
            assert len(messages) == 2, messages
            assert "Redis unreachable" in messages[0]
            assert "Redis reachable again" in messages[1]
            assert breaker.trips == 1
        finally:
            await close_redis(client)


async def test_only_a_round_trip_closes_the_breaker(
    relay: TcpRelay, relayed: RedisClient, redis_prefix: str
) -> None:
    clock = ManualClock()
    breaker = probing_health(relayed, clock)
    cache = ResilientCache(RedisCache(relayed, prefix=redis_prefix), breaker)
    relay.cut()
    assert await cache.get_many(["a"]) == {}
    assert breaker.down
    clock.now += 1.0
    # A call with nothing to send proves nothing: the breaker stays open.
    assert await cache.get_many([]) == {}
    await cache.set_many({}, ttl=60)
    assert breaker.down
    relay.restore()
    clock.now += 1.0
    await cache.set_many({}, ttl=60)  # the probe's PING gets through
    assert not breaker.down
