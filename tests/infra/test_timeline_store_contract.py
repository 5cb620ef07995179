"""The TimelineStore contract, run against MemoryTimelineStore and
RedisTimelineStore alike (see the ``make_timelines`` fixture)."""

from __future__ import annotations

import random

import pytest

from roost.kernel.paging import Page
from tests.infra.conftest import MakeTimelines

pytestmark = pytest.mark.anyio

# Snowflake-sized ids: the high 32 bits vary, and some neighbours differ in
# the lowest bit only, which a double-precision comparison would merge.
BASE = 7_318_349_394_477_056_000


def sid(n: int) -> int:
    return BASE + n * 4_194_304 + (n % 3)


async def test_missing_timeline_reads_none_and_marked_reads_empty(
    make_timelines: MakeTimelines,
) -> None:
    store = make_timelines()
    assert await store.range("home:1", Page()) is None
    assert await store.range("home:1", Page(max_id=sid(5))) is None
    assert await store.range("home:1", Page(min_id=sid(5))) is None
    await store.mark("home:1")
    assert await store.range("home:1", Page()) == []
    assert await store.range("home:1", Page(max_id=sid(5))) == []
    assert await store.range("home:1", Page(min_id=sid(5))) == []
    assert await store.range("home:2", Page()) is None


async def test_mark_keeps_existing_ids(make_timelines: MakeTimelines) -> None:
    store = make_timelines()
    await store.merge("home:1", [sid(1), sid(2)])
    await store.mark("home:1")
    assert await store.range("home:1", Page()) == [sid(2), sid(1)]


async def test_push_only_reaches_existing_timelines(make_timelines: MakeTimelines) -> None:
    store = make_timelines()
    await store.mark("home:1")
    await store.merge("home:3", [sid(1)])
    await store.push(["home:1", "home:2", "home:3"], sid(9))
    assert await store.range("home:1", Page()) == [sid(9)]
    assert await store.range("home:2", Page()) is None
    assert await store.range("home:3", Page()) == [sid(9), sid(1)]
    await store.push([], sid(10))  # nothing to do, no error


async def test_push_pairs_adds_each_id_to_its_existing_timeline(
    make_timelines: MakeTimelines,
) -> None:
    store = make_timelines(capacity=3)
    await store.mark("home:1")
    await store.merge("home:3", [sid(1)])
    await store.merge("list:7", [sid(4), sid(6), sid(8)])  # full
    await store.push_pairs(
        [
            ("home:1", sid(5)),
            ("home:2", sid(5)),  # missing: skipped
            ("home:3", sid(5)),
            ("home:1", sid(2)),  # a second status to one timeline
            ("home:1", sid(5)),  # already there
            ("list:7", sid(2)),  # older than all a full timeline keeps
            ("list:7", sid(9)),
        ]
    )
    assert await store.range("home:1", Page()) == [sid(5), sid(2)]
    assert await store.range("home:2", Page()) is None
    assert await store.range("home:3", Page()) == [sid(5), sid(1)]
    assert await store.range("list:7", Page()) == [sid(9), sid(8), sid(6)]
    await store.push_pairs([])  # nothing to do, no error


async def test_out_of_order_pushes_are_kept_sorted_and_deduplicated(
    make_timelines: MakeTimelines,
) -> None:
    store = make_timelines()
    await store.mark("home:1")
    order = [5, 1, 9, 3, 9, 7, 1, 2, 8]
    for n in order:
        await store.push(["home:1"], sid(n))
    expected = sorted({sid(n) for n in order}, reverse=True)
    assert await store.range("home:1", Page(limit=40)) == expected
    # Neighbours one apart in the lowest bit stay distinct.
    await store.push(["home:1"], sid(4) + 1)
    await store.push(["home:1"], sid(4))
    got = await store.range("home:1", Page(limit=40))
    assert got is not None and got.index(sid(4) + 1) + 1 == got.index(sid(4))


async def test_merge_deduplicates_and_keeps_both_sides(make_timelines: MakeTimelines) -> None:
    store = make_timelines()
    await store.merge("home:1", [sid(1), sid(3), sid(3), sid(5)])
    await store.merge("home:1", [sid(5), sid(4), sid(2)])
    await store.merge("home:1", [])
    assert await store.range("home:1", Page()) == [sid(n) for n in (5, 4, 3, 2, 1)]


async def test_merge_into_missing_timeline_creates_it_even_when_empty(
    make_timelines: MakeTimelines,
) -> None:
    store = make_timelines()
    await store.merge("home:1", [])
    assert await store.range("home:1", Page()) == []


async def test_capacity_keeps_newest(make_timelines: MakeTimelines) -> None:
    store = make_timelines(capacity=5)
    await store.mark("home:1")
    for n in range(10, 17):
        await store.push(["home:1"], sid(n))
    assert await store.range("home:1", Page()) == [sid(n) for n in (16, 15, 14, 13, 12)]
    # Older than everything a full timeline keeps: ignored.
    await store.push(["home:1"], sid(1))
    assert await store.range("home:1", Page()) == [sid(n) for n in (16, 15, 14, 13, 12)]
    # In the middle: goes in, the oldest goes out.
    await store.push(["home:1"], sid(13) + 1)
    assert await store.range("home:1", Page()) == [sid(16), sid(15), sid(14), sid(13) + 1, sid(13)]


async def test_merge_trims_to_capacity(make_timelines: MakeTimelines) -> None:
    store = make_timelines(capacity=4)
    await store.merge("home:1", [sid(n) for n in range(20)])
    assert await store.range("home:1", Page()) == [sid(n) for n in (19, 18, 17, 16)]
    await store.merge("home:1", [sid(17) + 1, sid(2), sid(30)])
    assert await store.range("home:1", Page()) == [sid(30), sid(19), sid(18), sid(17) + 1]


async def test_full_capacity_timeline(make_timelines: MakeTimelines) -> None:
    store = make_timelines()
    ids = [sid(n) for n in range(1, 1001)]
    await store.merge("home:1", ids[:500])
    await store.merge("home:1", ids[500:])
    newest = sorted(ids, reverse=True)[:800]
    got: list[int] = []
    page = Page(limit=40)
    while True:
        chunk = await store.range("home:1", page)
        assert chunk is not None
        if not chunk:
            break
        got.extend(chunk)
        page = Page(max_id=chunk[-1], limit=40)
    assert got == newest


async def test_paging_bounds(make_timelines: MakeTimelines) -> None:
    store = make_timelines()
    await store.merge("home:1", [sid(n) for n in range(1, 11)])

    async def page(**bounds: int) -> list[int]:
        ids = await store.range("home:1", Page(**bounds))
        assert ids is not None
        return [(i - BASE) // 4_194_304 for i in ids]

    assert await page(limit=3) == [10, 9, 8]
    assert await page(max_id=sid(8), limit=3) == [7, 6, 5]
    assert await page(max_id=sid(8) + 1, limit=3) == [8, 7, 6]  # bound between ids
    assert await page(since_id=sid(7)) == [10, 9, 8]
    assert await page(since_id=sid(3), limit=2) == [10, 9]  # newest above since_id
    assert await page(min_id=sid(3), limit=2) == [5, 4]  # right above min_id
    assert await page(min_id=sid(3), max_id=sid(5)) == [4]
    assert await page(since_id=sid(2), max_id=sid(6), limit=2) == [5, 4]
    assert await page(min_id=sid(2), since_id=sid(6), limit=2) == [8, 7]
    assert await page(max_id=sid(1)) == []
    assert await page(max_id=0) == []
    assert await page(since_id=sid(10)) == []
    assert await page(min_id=sid(10)) == []
    assert await page(min_id=sid(6), max_id=sid(6)) == []
    assert await page(max_id=9_999_999_999_999_999_999, limit=1) == [10]
    assert await page(since_id=0, limit=1) == [10]
    assert await page(min_id=0, limit=1) == [1]


async def test_random_pages_match_reference_selection(make_timelines: MakeTimelines) -> None:
    store = make_timelines(capacity=100)
    rng = random.Random(20240501)
    ids = sorted({BASE + rng.randrange(1 << 40) for _ in range(100)}, reverse=True)
    await store.mark("home:1")
    for i in rng.sample(ids, len(ids)):
        await store.push(["home:1"], i)
    probes = [*ids, 0, BASE, BASE + (1 << 41), *(i + 1 for i in ids[::7])]
    for _ in range(300):
        bounds: dict[str, int] = {"limit": rng.randint(1, 40)}
        for name in ("max_id", "since_id", "min_id"):
            if rng.random() < 0.5:
                bounds[name] = rng.choice(probes)
        page = Page(**bounds)
        assert await store.range("home:1", page) == page.select(ids), bounds


async def test_rebuild_racing_with_push_keeps_both(make_timelines: MakeTimelines) -> None:
    store = make_timelines()
    # The rebuild marks, then reads the database ...
    await store.mark("home:1")
    read_from_database = [sid(1), sid(2), sid(3)]
    # ... meanwhile a fan-out for a post committed after the read arrives ...
    await store.push(["home:1"], sid(4))
    # ... and one for a post that the read also saw.
    await store.push(["home:1"], sid(3))
    await store.merge("home:1", read_from_database)
    assert await store.range("home:1", Page()) == [sid(4), sid(3), sid(2), sid(1)]


async def test_remove(make_timelines: MakeTimelines) -> None:
    store = make_timelines()
    await store.merge("home:1", [sid(n) for n in range(1, 8)])
    await store.remove("home:1", [sid(7), sid(4), sid(4), sid(1), sid(99), sid(4) + 1])
    assert await store.range("home:1", Page()) == [sid(n) for n in (6, 5, 3, 2)]
    await store.remove("home:1", [])
    await store.remove("home:1", [sid(n) for n in (6, 5, 3, 2)])
    assert await store.range("home:1", Page()) == []
    await store.remove("home:2", [sid(1)])
    assert await store.range("home:2", Page()) is None


async def test_remove_everywhere(make_timelines: MakeTimelines) -> None:
    store = make_timelines()
    await store.merge("home:1", [sid(1), sid(2)])
    await store.merge("home:2", [sid(2), sid(3)])
    await store.merge("home:3", [sid(3)])
    await store.remove_everywhere(["home:1", "home:2", "home:3", "home:4"], sid(2))
    assert await store.range("home:1", Page()) == [sid(1)]
    assert await store.range("home:2", Page()) == [sid(3)]
    assert await store.range("home:3", Page()) == [sid(3)]
    assert await store.range("home:4", Page()) is None


async def test_drop_and_clear(make_timelines: MakeTimelines) -> None:
    store = make_timelines()
    for key in ("home:1", "home:2", "list:3"):
        await store.merge(key, [sid(1)])
    await store.drop("home:1")
    await store.drop("home:9")
    assert await store.range("home:1", Page()) is None
    assert await store.range("home:2", Page()) == [sid(1)]
    await store.clear()
    assert await store.range("home:2", Page()) is None
    assert await store.range("list:3", Page()) is None


async def test_merge_without_create_leaves_a_missing_timeline_missing(
    make_timelines: MakeTimelines,
) -> None:
    # A rebuild merges this way: its marked timeline may have been flushed.
    store = make_timelines()
    assert await store.merge("home:1", [sid(1)], create=False) is False
    assert await store.range("home:1", Page()) is None
    await store.mark("home:1")
    await store.push(["home:1"], sid(3))
    assert await store.merge("home:1", [sid(1), sid(2)], create=False) is True
    assert await store.range("home:1", Page()) == [sid(3), sid(2), sid(1)]
    assert await store.merge("home:2", [sid(1)]) is True  # creates by default
    assert await store.range("home:2", Page()) == [sid(1)]
