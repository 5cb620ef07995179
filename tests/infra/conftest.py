"""Fixtures running each storage contract against every implementation:
in-process, one Redis server, and a Redis Cluster started for the session
(when ``redis-server`` is installed).

Redis tests use a key prefix of their own (``roost-test-<pid>-<n>:``) and
delete exactly those keys afterwards, so they can share a Redis with anything.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import AsyncIterator, Iterator
from typing import Protocol

import anyio
import pytest
from redis.asyncio.cluster import RedisCluster

from roost.infra.cache import Cache, MemoryCache
from roost.infra.redis_backends import (
    RedisCache,
    RedisClient,
    RedisTimelineStore,
    close_redis,
    connect_redis,
)
from roost.infra.redis_client import delete_prefixed
from roost.infra.timeline_store import MemoryTimelineStore, TimelineStore
from tests.conftest import REDIS_URL, require_service
from tests.helpers import ManualClock
from tests.infra.redis_cluster import cluster_available, redis_cluster

_counter = itertools.count()

BACKENDS = ["memory", "redis", "redis-cluster"]
CAPACITY = 800


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def redis_prefix() -> str:
    return f"roost-test-{os.getpid()}-{next(_counter)}:"


@pytest.fixture(scope="session")
def redis_cluster_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not cluster_available():
        pytest.skip("redis-server/redis-cli not installed: no Redis Cluster to test on")
    with redis_cluster(tmp_path_factory.mktemp("redis-cluster")) as url:
        yield url


async def _client(url: str, prefix: str) -> AsyncIterator[RedisClient]:
    client = connect_redis(url)
    if isinstance(client, RedisCluster):
        # redis-py (8.1) maps the cluster on the first command; many first
        # commands at once race in that mapping (one resets connections the
        # others are using: "'NoneType' object has no attribute
        # 'writelines'"). The tests here are about Roost's use of the
        # cluster, so the client is mapped before they start.
        await client.initialize()
    try:
        yield client
    finally:
        await delete_prefixed(client, prefix)
        await close_redis(client)


@pytest.fixture
async def redis_client(redis_prefix: str) -> AsyncIterator[RedisClient]:
    require_service("Redis", "127.0.0.1", 6379)
    async for client in _client(REDIS_URL, redis_prefix):
        yield client


@pytest.fixture
async def redis_cluster_client(
    redis_cluster_url: str, redis_prefix: str
) -> AsyncIterator[RedisClient]:
    async for client in _client(redis_cluster_url, redis_prefix):
        yield client


def _backend_client(request: pytest.FixtureRequest) -> RedisClient:
    name = "redis_client" if request.param == "redis" else "redis_cluster_client"
    client: RedisClient = request.getfixturevalue(name)
    return client


@pytest.fixture(params=["redis", "redis-cluster"])
def any_redis(request: pytest.FixtureRequest) -> RedisClient:
    """A single-server client, then a cluster client."""
    return _backend_client(request)


class MakeTimelines(Protocol):
    def __call__(self, capacity: int = CAPACITY) -> TimelineStore: ...


@pytest.fixture(params=BACKENDS)
def make_timelines(request: pytest.FixtureRequest, redis_prefix: str) -> MakeTimelines:
    """A factory of empty stores of the parametrized kind, by capacity."""
    if request.param == "memory":

        def memory(capacity: int = CAPACITY) -> TimelineStore:
            return MemoryTimelineStore(capacity=capacity)

        return memory
    client = _backend_client(request)

    def redis(capacity: int = CAPACITY) -> TimelineStore:
        return RedisTimelineStore(client, capacity=capacity, prefix=redis_prefix)

    return redis


@pytest.fixture
def cache_clock() -> ManualClock:
    return ManualClock()


@pytest.fixture(params=BACKENDS)
def cache(request: pytest.FixtureRequest, redis_prefix: str, cache_clock: ManualClock) -> Cache:
    if request.param == "memory":
        return MemoryCache(clock=cache_clock)
    return RedisCache(_backend_client(request), prefix=redis_prefix)


class CacheTime:
    """Time as ``cache`` sees it. The in-process cache reads a clock the test
    moves, so its expiry tests take no time; Redis expires keys on its own
    clock, which no test can move: there the seconds really pass."""

    def __init__(self, manual: ManualClock | None) -> None:
        self.manual = manual

    def now(self) -> float:
        return self.manual() if self.manual is not None else anyio.current_time()

    async def sleep(self, seconds: float) -> None:
        if self.manual is not None:
            self.manual.advance(max(seconds, 0.0))
        else:
            await anyio.sleep(seconds)


@pytest.fixture
def cache_time(cache: Cache, cache_clock: ManualClock) -> CacheTime:
    return CacheTime(cache_clock if isinstance(cache, MemoryCache) else None)
