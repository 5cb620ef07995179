"""The timeline cache target: under 10 KB of Redis memory per home timeline
of 800 ids (target.md section 8), measured with MEMORY USAGE."""

from __future__ import annotations

import random

import pytest

from roost.infra.redis_backends import RedisClient, RedisTimelineStore

pytestmark = pytest.mark.anyio

TARGET = 10 * 1024


def snowflakes(count: int, seed: int) -> list[int]:
    rng = random.Random(seed)
    start = 7_318_349_394_477_056_000
    return [start + rng.randrange(1 << 42) for _ in range(count)]


async def test_full_timeline_fits_in_10_kb(
    redis_client: RedisClient, redis_prefix: str, capsys: pytest.CaptureFixture[str]
) -> None:
    timelines = RedisTimelineStore(redis_client, capacity=800, prefix=redis_prefix)

    await timelines.merge("home:merged", snowflakes(800, 1))
    # Built the way fan-out builds it: one push at a time, past the cap.
    await timelines.mark("home:pushed")
    for status_id in snowflakes(1000, 2):
        await timelines.push(["home:pushed"], status_id)

    sizes: dict[str, int] = {}
    for key in ("home:merged", "home:pushed"):
        name = timelines.redis_key(key)
        assert await redis_client.strlen(name) == 1 + 800 * 8
        size = await redis_client.memory_usage(name, samples=0)
        assert size is not None and size < TARGET, (key, size)
        sizes[key] = size

    # The alternatives the module docstring compares against.
    ids = snowflakes(800, 3)
    zset, lst = f"{redis_prefix}zset", f"{redis_prefix}list"
    await redis_client.zadd(zset, {str(i): i for i in ids})
    await redis_client.rpush(lst, *ids)
    zset_size = await redis_client.memory_usage(zset, samples=0)
    list_size = await redis_client.memory_usage(lst, samples=0)
    assert zset_size is not None and list_size is not None
    assert max(sizes.values()) < list_size < zset_size
    with capsys.disabled():
        print(
            f"\nMEMORY USAGE for 800 ids: packed string {sizes}, "
            f"list {list_size}, sorted set {zset_size}"
        )
