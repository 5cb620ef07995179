"""More concurrent calls than pooled Redis connections: calls wait for a
connection, and running out of them never reads as Redis being down."""

from __future__ import annotations

import asyncio

import pytest
from redis.asyncio import Redis
from redis.exceptions import ConnectionError, MaxConnectionsError

from roost.infra import redis_client
from roost.infra.redis_backends import RedisCache, close_redis, connect_redis, pool_exhausted
from roost.infra.redis_client import delete_prefixed
from roost.infra.resilient import (
    BackendUnavailable,
    Health,
    ResilientCache,
    redis_unreachable_errors,
)
from tests.conftest import REDIS_URL, require_service

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.mark.redis
async def test_calls_beyond_the_pool_wait_for_a_connection(redis_prefix: str) -> None:
    require_service("Redis", "127.0.0.1", 6379)
    client = connect_redis(REDIS_URL, pool_size=4)
    health = Health("Redis", errors=redis_unreachable_errors(), busy=pool_exhausted)
    cache = ResilientCache(RedisCache(client, prefix=redis_prefix), health)
    try:
        await cache.set_many({f"k{i}": b"v" for i in range(50)}, ttl=60)
        keys = [f"k{i}" for i in range(50)]
        # 300 reads at once through 4 connections (redis-py's default pool
        # refused the 101st concurrent call, and that opened the breaker)
        found = await asyncio.gather(*(cache.get_many(keys) for _ in range(300)))
        assert all(len(f) == 50 for f in found)
        assert not health.down
    finally:
        await delete_prefixed(client, redis_prefix)
        await close_redis(client)


@pytest.mark.redis
async def test_a_pool_that_stays_full_degrades_the_call_not_the_breaker(
    redis_prefix: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    require_service("Redis", "127.0.0.1", 6379)
    monkeypatch.setattr(redis_client, "POOL_WAIT_SECONDS", 0.05)
    client = connect_redis(REDIS_URL, pool_size=1)
    assert isinstance(client, Redis)  # one server: one pool to exhaust
    health = Health("Redis", errors=redis_unreachable_errors(), busy=pool_exhausted)
    cache = ResilientCache(RedisCache(client, prefix=redis_prefix), health)
    held = await client.connection_pool.get_connection()
    try:
        # the only connection is taken: the read gives up after the wait and
        # answers "missing", as when Redis is down, but the breaker stays closed
        assert await cache.get_many(["a"]) == {}
        assert not health.down
    finally:
        await client.connection_pool.release(held)
    try:
        await cache.set_many({"a": b"1"}, ttl=60)
        assert await cache.get_many(["a"]) == {"a": b"1"}
    finally:
        await delete_prefixed(client, redis_prefix)
        await close_redis(client)


def test_pool_exhaustion_is_told_apart_from_an_unreachable_redis() -> None:
    assert pool_exhausted(MaxConnectionsError("Too many connections"))
    assert pool_exhausted(ConnectionError("No connection available."))
    assert not pool_exhausted(ConnectionError("Error 111 connecting to 127.0.0.1:6379."))
    assert not pool_exhausted(OSError("reset"))


async def test_busy_errors_leave_the_breaker_closed() -> None:
    health = Health("Redis", errors=(ConnectionError,), busy=pool_exhausted)

    async def full() -> None:
        raise MaxConnectionsError("Too many connections")

    async def refused() -> None:
        raise ConnectionError("Error 111 connecting")

    with pytest.raises(BackendUnavailable):
        await health.call(full)
    assert not health.down
    with pytest.raises(BackendUnavailable):
        await health.call(refused)
    assert health.down
