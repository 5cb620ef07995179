"""Cache.throttle (the GCRA step under every rate limit), against the
in-process cache, one Redis and a Redis Cluster alike; and its fallback
while Redis is unreachable."""

from __future__ import annotations

from collections.abc import AsyncIterator

import anyio
import pytest

from roost.infra import ratelimit
from roost.infra.cache import Cache
from roost.infra.ratelimit import Budget
from roost.infra.redis_backends import RedisCache, RedisClient, close_redis, connect_redis
from roost.infra.resilient import Health, ResilientCache, redis_unreachable_errors
from tests.resilience.support import free_port

pytestmark = pytest.mark.anyio

NOW = 1_900_000_000.0
FIVE_PER_MINUTE = Budget("test", 5, 60.0)  # one call every 12 s


async def test_a_burst_of_the_limit_then_one_per_interval(cache: Cache) -> None:
    verdicts = [await ratelimit.take(cache, FIVE_PER_MINUTE, "k", now=NOW) for _ in range(6)]
    assert [v.passed for v in verdicts] == [True] * 5 + [False]
    assert [v.remaining for v in verdicts] == [4, 3, 2, 1, 0, 0]
    refused = verdicts[-1]
    assert refused.retry_at == pytest.approx(NOW + 12)
    assert refused.reset_at == pytest.approx(NOW + 60)
    assert not (await ratelimit.take(cache, FIVE_PER_MINUTE, "k", now=NOW + 11.9)).passed
    assert (await ratelimit.take(cache, FIVE_PER_MINUTE, "k", now=NOW + 12)).passed
    # Other keys are separate.
    assert (await ratelimit.take(cache, FIVE_PER_MINUTE, "other", now=NOW)).remaining == 4


async def test_peek_spends_nothing_and_forget_refills(cache: Cache) -> None:
    for _ in range(4):
        await ratelimit.take(cache, FIVE_PER_MINUTE, "k", now=NOW)
    for _ in range(3):
        peeked = await ratelimit.peek(cache, FIVE_PER_MINUTE, "k", now=NOW)
        assert peeked.passed and peeked.remaining == 1
    await ratelimit.take(cache, FIVE_PER_MINUTE, "k", now=NOW)
    assert not (await ratelimit.peek(cache, FIVE_PER_MINUTE, "k", now=NOW)).passed
    await ratelimit.forget(cache, FIVE_PER_MINUTE, "k")
    assert (await ratelimit.peek(cache, FIVE_PER_MINUTE, "k", now=NOW)).remaining == 5


async def test_a_refused_call_spends_nothing(cache: Cache) -> None:
    for _ in range(5):
        await ratelimit.take(cache, FIVE_PER_MINUTE, "k", now=NOW)
    for _ in range(20):
        await ratelimit.take(cache, FIVE_PER_MINUTE, "k", now=NOW + 1)
    # Hammering while refused does not push the refill back.
    assert (await ratelimit.take(cache, FIVE_PER_MINUTE, "k", now=NOW + 12)).passed


async def test_concurrent_calls_never_pass_more_than_the_limit(cache: Cache) -> None:
    budget = Budget("burst", 20, 60.0)
    passed: list[bool] = []

    async def call() -> None:
        passed.append((await ratelimit.take(cache, budget, "k", now=NOW)).passed)

    async with anyio.create_task_group() as group:
        for _ in range(60):
            group.start_soon(call)
    assert passed.count(True) == 20


@pytest.fixture
async def dead_client() -> AsyncIterator[RedisClient]:
    client = connect_redis(f"redis://127.0.0.1:{free_port()}/0")
    yield client
    await close_redis(client)


async def test_without_redis_limits_fall_back_to_the_process(
    dead_client: RedisClient, redis_prefix: str
) -> None:
    """Fail open to per-process limits: never a refusal because Redis is
    down, and still a limit within each process."""
    health = Health("Redis", errors=redis_unreachable_errors(), retry_interval=0.0)
    cache = ResilientCache(RedisCache(dead_client, prefix=redis_prefix), health)
    verdicts = [await ratelimit.take(cache, FIVE_PER_MINUTE, "k", now=NOW) for _ in range(6)]
    assert [v.passed for v in verdicts] == [True] * 5 + [False]
    assert health.down
