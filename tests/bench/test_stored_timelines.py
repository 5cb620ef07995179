"""Memory and contents of stored home timelines (the bench's Redis probes)."""

from __future__ import annotations

import pytest

from roost.config import Settings
from roost.infra.redis_client import close_redis, connect_redis
from roost.infra.redis_timelines import RedisTimelineStore
from roost.kernel.cachekeys import home_key
from roost_bench.celebrities import delivery_path
from roost_bench.runner import run_async
from roost_bench.stored_timelines import (
    delivery_paths,
    existing_timelines,
    ids_in,
    per_timeline_delta,
    stored_home_ids,
    summarize_timeline_memory,
    timeline_memory,
    used_memory,
)
from tests.conftest import REDIS_URL


def test_ids_in_a_timeline_value() -> None:
    assert ids_in(1) == 0  # the marker alone: an empty timeline
    assert ids_in(1 + 8 * 800) == 800
    assert ids_in(0) == 0


def test_summary_of_sampled_timelines() -> None:
    summary = summarize_timeline_memory([(7_256, 1 + 8 * 800), (1_100, 1 + 8 * 100)])
    assert summary["sampled"] == 2
    assert summary["bytes_mean"] == pytest.approx(4_178)
    assert (summary["bytes_min"], summary["bytes_max"]) == (1_100, 7_256)
    assert (summary["ids_min"], summary["ids_max"], summary["ids_mean"]) == (100, 800, 450)
    assert summary["bytes_per_id"] == pytest.approx(4_178 / 450)
    assert summarize_timeline_memory([]) == {"sampled": 0}
    # empty timelines only: no bytes per id to give
    assert summarize_timeline_memory([(80, 1)])["bytes_per_id"] is None


def test_used_memory_growth_per_new_timeline() -> None:
    assert per_timeline_delta(1_000, 81_000, 10) == {
        "used_memory_delta_bytes": 80_000,
        "per_timeline_bytes": 8_000,
        "created": 10,
    }
    # all timelines were warm already: no growth to divide
    assert per_timeline_delta(1_000, 1_500, 0)["per_timeline_bytes"] is None
    assert per_timeline_delta(None, 1_500, 3)["used_memory_delta_bytes"] is None


def test_delivery_paths_tell_merged_from_pushed_posts() -> None:
    seen = {10: [1, 2, 3], 11: [1, 3, 99]}
    author_of = {1: 500, 2: 600, 3: 500}  # 99: not one of the measured posts
    stored = {10: {2, 7}, 11: {1}}
    paths = delivery_paths(seen, author_of, {500}, stored)
    # author 500 is hot: posts 1 and 3 seen three times, once found stored
    assert paths["read_merge"] == {"seen": 4, "in_stored_timeline": 1}
    assert paths["fan_out"] == {"seen": 1, "in_stored_timeline": 1}


def test_delivery_path_follows_the_threshold() -> None:
    assert delivery_path(10_000, 10_000) == "read merge"
    assert delivery_path(9_999, 10_000) == "fan-out"


@pytest.mark.redis
def test_memory_and_ids_of_real_timelines(redis_key_prefix: str) -> None:
    prefix = f"{redis_key_prefix}bench-memory:"
    settings = Settings(redis_url=REDIS_URL, redis_key_prefix=prefix)
    full = list(range(10_000_800, 10_000_000, -1))  # 800 ids, newest first

    async def fill() -> None:
        client = connect_redis(REDIS_URL)
        try:
            store = RedisTimelineStore(client, capacity=800, prefix=prefix)
            await store.merge(home_key(1), full)
            await store.merge(home_key(2), full[:10])
        finally:
            await close_redis(client)

    run_async(fill())
    memory = run_async(timeline_memory(settings, [1, 2, 3]))
    assert memory["sampled"] == 2 and memory["missing"] == 1
    assert (memory["ids_min"], memory["ids_max"]) == (10, 800)
    # 800 ids take 6,401 bytes of value, plus key and allocator overhead
    assert 6_401 < memory["bytes_max"] < 10_000
    assert memory["bytes_min"] < memory["bytes_max"]
    # a sample smaller than the accounts given
    assert run_async(timeline_memory(settings, [1, 2, 3], sample=1))["sampled"] <= 1
    assert run_async(existing_timelines(settings, [1, 2, 3])) == 2
    stored = run_async(stored_home_ids(settings, [1, 2, 3]))
    assert stored == {1: set(full), 2: set(full[:10]), 3: set()}
    used = run_async(used_memory(settings))
    assert used is not None and used > memory["bytes_max"]
