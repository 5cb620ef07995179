"""The Cache contract, run against MemoryCache and RedisCache alike."""

from __future__ import annotations

import pytest

from roost.infra.cache import Cache
from tests.infra.conftest import CacheTime

pytestmark = pytest.mark.anyio


async def test_get_many_returns_only_found_keys(cache: Cache) -> None:
    assert await cache.get_many([]) == {}
    assert await cache.get_many(["a", "b"]) == {}
    await cache.set_many({"a": b"1", "b": b"\x00\xff binary"}, ttl=60)
    assert await cache.get_many(["a", "b", "c"]) == {"a": b"1", "b": b"\x00\xff binary"}
    assert await cache.get_many(iter(["b", "b"])) == {"b": b"\x00\xff binary"}


async def test_set_many_overwrites(cache: Cache) -> None:
    await cache.set_many({"a": b"old"}, ttl=60)
    await cache.set_many({"a": b"new"}, ttl=60)
    await cache.set_many({}, ttl=60)
    assert await cache.get_many(["a"]) == {"a": b"new"}


async def test_entries_expire(cache: Cache, cache_time: CacheTime) -> None:
    await cache.set_many({"short": b"1"}, ttl=1)
    await cache.set_many({"long": b"2"}, ttl=60)
    await cache.set_many({"none": b"3"}, ttl=0)
    assert await cache.get_many(["none"]) == {}
    await cache_time.sleep(1.2)
    assert await cache.get_many(["short", "long"]) == {"long": b"2"}


async def test_entries_filled_together_expire_spread_out(
    cache: Cache, cache_time: CacheTime
) -> None:
    """Lifetimes are spread over the last fifth of the ttl, never past it, so
    a warm-up's entries do not all expire in the same instant."""
    keys = [f"k{i}" for i in range(50)]
    await cache.set_many(dict.fromkeys(keys, b"v"), ttl=2)
    started = cache_time.now()

    async def alive_at(seconds: float) -> int:
        await cache_time.sleep(seconds - (cache_time.now() - started))
        return len(await cache.get_many(keys))

    assert await alive_at(1.4) == 50  # no entry lives less than 1.6 s
    assert 0 < await alive_at(1.8) < 50  # some expired between 1.6 and 1.8 s, some not
    assert await alive_at(2.1) == 0  # none lives past the ttl


async def test_delete(cache: Cache) -> None:
    await cache.set_many({"a": b"1", "b": b"2", "c": b"3"}, ttl=60)
    await cache.incr("n", ttl=60)
    await cache.delete("a", "c", "missing", "n")
    await cache.delete()
    assert await cache.get_many(["a", "b", "c"]) == {"b": b"2"}
    assert await cache.incr("n", ttl=60) == 1


async def test_set_each_gives_each_value_its_own_ttl(cache: Cache, cache_time: CacheTime) -> None:
    await cache.set_many({"gone": b"old"}, ttl=60)
    await cache.set_each({"short": (b"1", 1), "long": (b"2", 60), "gone": (b"3", 0)})
    await cache.set_each({})
    assert await cache.get_many(["short", "long", "gone"]) == {"short": b"1", "long": b"2"}
    await cache_time.sleep(1.2)
    assert await cache.get_many(["short", "long"]) == {"long": b"2"}


async def test_replace_stores_only_over_the_expected_value(cache: Cache) -> None:
    await cache.set_many({"a": b"v1\x00"}, ttl=60)
    assert await cache.replace("a", b"v1\x00", b"v2", ttl=60) is True
    assert await cache.get_many(["a"]) == {"a": b"v2"}
    # Replacing with what the entry already holds keeps it.
    assert await cache.replace("a", b"v1\x00", b"v2", ttl=60) is True
    assert await cache.get_many(["a"]) == {"a": b"v2"}


async def test_replace_drops_a_key_that_moved(cache: Cache) -> None:
    """Another writer changed the entry (or an invalidation dropped it)
    since the caller read it: the caller's update may be older than that
    change, so the key is dropped, never overwritten or created."""
    await cache.set_many({"a": b"newer"}, ttl=60)
    assert await cache.replace("a", b"read before", b"stale", ttl=60) is False
    assert await cache.get_many(["a"]) == {}
    assert await cache.replace("a", b"read before", b"stale", ttl=60) is False
    assert await cache.get_many(["a"]) == {}


async def test_replaced_value_expires(cache: Cache, cache_time: CacheTime) -> None:
    await cache.set_many({"a": b"1"}, ttl=60)
    assert await cache.replace("a", b"1", b"2", ttl=1) is True
    await cache_time.sleep(1.2)
    assert await cache.get_many(["a"]) == {}
    # An expired entry is no longer the expected value.
    assert await cache.replace("a", b"2", b"3", ttl=60) is False
    assert await cache.get_many(["a"]) == {}


async def test_incr(cache: Cache) -> None:
    assert await cache.incr("n", ttl=60) == 1
    assert await cache.incr("n", 5, ttl=60) == 6
    assert await cache.incr("n", -10, ttl=60) == -4
    assert await cache.incr("other", 3, ttl=60) == 3


async def test_counter_expires(cache: Cache, cache_time: CacheTime) -> None:
    await cache.incr("n", 7, ttl=1)
    await cache_time.sleep(1.2)
    assert await cache.incr("n", ttl=60) == 1


async def test_clear(cache: Cache) -> None:
    await cache.set_many({"a": b"1"}, ttl=60)
    await cache.incr("n", ttl=60)
    await cache.clear()
    assert await cache.get_many(["a"]) == {}
    assert await cache.incr("n", ttl=60) == 1
