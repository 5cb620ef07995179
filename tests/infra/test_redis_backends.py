"""What is particular to the Redis backends: key layout, sharing a Redis with
other data, script reloading, and one round trip per fan-out."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from redis.asyncio.connection import Connection
from redis.crc import key_slot

from roost.infra.redis_backends import RedisCache, RedisClient, RedisTimelineStore
from roost.kernel.paging import Page

pytestmark = pytest.mark.anyio


@pytest.fixture
def sends(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """Counts writes to Redis sockets (one per round trip, pipelines included)."""
    calls: list[int] = []
    original = Connection.send_packed_command

    async def counting(self: Connection, command: Any, check_health: bool = True) -> None:
        calls.append(1)
        await original(self, command, check_health)

    monkeypatch.setattr(Connection, "send_packed_command", counting)
    yield calls


async def test_keys_are_namespaced_and_hash_tagged(
    any_redis: RedisClient, redis_prefix: str
) -> None:
    cache = RedisCache(any_redis, prefix=redis_prefix)
    timelines = RedisTimelineStore(any_redis, prefix=redis_prefix)
    await cache.set_many({"account:1": b"x"}, ttl=60)
    await timelines.mark("home:1")
    assert await any_redis.get(f"{redis_prefix}c:account:1") == b"x"
    assert await any_redis.exists(f"{redis_prefix}tl:{{home:1}}") == 1
    other = RedisTimelineStore(any_redis, prefix="elsewhere:")
    # The slot follows the timeline's own name, whatever the prefix.
    assert key_slot(timelines.redis_key("home:1").encode()) == key_slot(b"home:1")
    assert key_slot(other.redis_key("home:1").encode()) == key_slot(b"home:1")


async def test_prefix_with_braces_is_refused(redis_client: RedisClient) -> None:
    with pytest.raises(ValueError, match="braces"):
        RedisCache(redis_client, prefix="roost:{x}:")
    with pytest.raises(ValueError, match="braces"):
        RedisTimelineStore(redis_client, prefix="{roost}")


async def test_clear_touches_only_its_own_keys(any_redis: RedisClient, redis_prefix: str) -> None:
    # '*' must match itself, not "anything": the ab: cache survives a*: clearing.
    star = RedisCache(any_redis, prefix=redis_prefix + "a*:")
    plain = RedisCache(any_redis, prefix=redis_prefix + "ab:")
    timelines = RedisTimelineStore(any_redis, prefix=redis_prefix + "a*:")
    foreign = f"{redis_prefix}foreign"
    await any_redis.set(foreign, b"keep")
    await star.set_many({f"k{i}": b"v" for i in range(1200)}, ttl=60)
    await plain.set_many({"k1": b"v"}, ttl=60)
    await timelines.merge("home:1", [1, 2])

    await star.clear()
    assert await star.get_many(["k1", "k1199"]) == {}
    assert await plain.get_many(["k1"]) == {"k1": b"v"}
    assert await timelines.range("home:1", Page()) == [2, 1]
    assert await any_redis.get(foreign) == b"keep"

    await timelines.clear()
    assert await timelines.range("home:1", Page()) is None
    assert await plain.get_many(["k1"]) == {"k1": b"v"}


async def test_scripts_reload_after_script_flush(any_redis: RedisClient, redis_prefix: str) -> None:
    timelines = RedisTimelineStore(any_redis, prefix=redis_prefix)
    cache = RedisCache(any_redis, prefix=redis_prefix)
    await timelines.mark("home:1")
    await timelines.mark("home:2")
    await any_redis.script_flush()
    await timelines.push(["home:1", "home:2", "home:3"], 5)
    assert await timelines.range("home:2", Page()) == [5]
    await any_redis.script_flush()
    assert await timelines.range("home:1", Page(max_id=6)) == [5]
    await any_redis.script_flush()
    assert await cache.incr("n", ttl=60) == 1


async def test_fanout_to_many_timelines_is_one_round_trip(
    redis_client: RedisClient, redis_prefix: str, sends: list[int]
) -> None:
    timelines = RedisTimelineStore(redis_client, prefix=redis_prefix)
    keys = [f"home:{i}" for i in range(1000)]
    for key in keys[::2]:
        await timelines.mark(key)
    await timelines.push(keys[:1], 1)  # loads the script if this server lacks it
    sends.clear()
    await timelines.push(keys, 2)
    assert len(sends) == 1
    await timelines.remove_everywhere(keys, 1)
    assert await timelines.range("home:0", Page()) == [2]
    assert await timelines.range("home:1", Page()) is None
    await timelines.range("home:0", Page(max_id=3))  # loads the range script
    sends.clear()
    await timelines.range("home:0", Page())
    await timelines.range("home:0", Page(max_id=3))
    assert len(sends) == 2


async def test_ids_up_to_64_bits_round_trip(any_redis: RedisClient, redis_prefix: str) -> None:
    timelines = RedisTimelineStore(any_redis, prefix=redis_prefix)
    top = 2**64 - 1
    await timelines.merge("home:1", [top, 2**63, 2**32, 2**32 - 1, 1])
    await timelines.push(["home:1"], 2**63 + 1)
    assert await timelines.range("home:1", Page()) == [top, 2**63 + 1, 2**63, 2**32, 2**32 - 1, 1]
    assert await timelines.range("home:1", Page(max_id=2**63, since_id=2**32 - 1)) == [2**32]
    assert await timelines.range("home:1", Page(min_id=2**32 - 1, limit=2)) == [2**63, 2**32]
