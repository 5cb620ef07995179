"""infra.redis_heads: a timeline's head and the cache entries of its ids in
one round trip, equal to a range read followed by get_many."""

from __future__ import annotations

from pathlib import Path

import pytest

from roost.config import Settings
from roost.infra.redis_backends import RedisClient, RedisHeadReader
from roost.infra.resilient import ResilientCache
from roost.kernel.paging import Page
from roost.services import build_services
from tests.conftest import REDIS_URL

pytestmark = pytest.mark.anyio

# Small, around 2^32 and 2^53 (where doubles stop being exact), snowflake
# sized, and the largest id a timeline stores.
IDS = [
    7,
    10_000,
    65_536,
    4_294_967_295,
    4_294_967_296,
    9_007_199_254_740_993,
    116_041_533_412_311_040,
    116_041_533_412_311_041,
    9_223_372_036_854_775_807,
    18_446_744_073_709_551_615,
]


def settings(tmp_path: Path, prefix: str) -> Settings:
    return Settings(data_dir=tmp_path, redis_url=REDIS_URL, redis_key_prefix=prefix)


async def test_head_and_entries_in_one_call(
    redis_client: RedisClient, redis_prefix: str, tmp_path: Path
) -> None:
    services = build_services(settings(tmp_path, redis_prefix))
    try:
        heads = services.heads
        assert isinstance(heads, RedisHeadReader)
        cache, timelines = services.cache, services.timelines
        await timelines.merge("home:1", IDS)
        # Entries for every other id, and one of the extra keys.
        await cache.set_many({f"rec:{i}": str(i).encode() for i in IDS[::2]}, ttl=60)
        await cache.set_many({"extra:a": b"A"}, ttl=60)
        for limit in (1, 4, len(IDS), 40):
            found = await heads.read("home:1", limit, ["extra:a", "extra:b"], "rec:")
            assert found is not None
            ids, values = found
            assert ids == await timelines.range("home:1", Page(limit=limit))
            wanted = ["extra:a", "extra:b", *(f"rec:{i}" for i in ids)]
            assert values == await cache.get_many(wanted)
            assert values["extra:a"] == b"A" and "extra:b" not in values
        # A missing timeline is the caller's to rebuild; an empty one reads empty.
        assert await heads.read("home:2", 20, ["extra:a"], "rec:") is None
        await timelines.mark("home:3")
        assert await heads.read("home:3", 20, ["extra:a"], "rec:") == ([], {"extra:a": b"A"})
    finally:
        await services.close()


async def test_declines_while_invalidations_wait(
    redis_client: RedisClient, redis_prefix: str, tmp_path: Path
) -> None:
    """After an outage the cache replays the deletes Redis missed before its
    next read: the head reader, which bypasses it, must not read before."""
    services = build_services(settings(tmp_path, redis_prefix))
    try:
        heads = services.heads
        assert heads is not None
        cache = services.cache
        assert isinstance(cache, ResilientCache)
        await services.timelines.merge("home:1", [1, 2])
        cache._remember(["rec:1"])  # a delete Redis did not get
        assert await heads.read("home:1", 20, [], "rec:") is None
        await cache.get_many(["anything"])  # replays it
        assert cache.pending_invalidations == 0
        assert await heads.read("home:1", 20, [], "rec:") == ([2, 1], {})
    finally:
        await services.close()


async def test_no_head_reader_when_costs_are_counted(
    redis_client: RedisClient, redis_prefix: str, tmp_path: Path
) -> None:
    services = build_services(settings(tmp_path, redis_prefix).replace(slow_request_ms=100.0))
    try:
        assert services.heads is None
    finally:
        await services.close()
    embedded = build_services(Settings(data_dir=tmp_path / "embedded"))
    try:
        assert embedded.heads is None
    finally:
        await embedded.close()
