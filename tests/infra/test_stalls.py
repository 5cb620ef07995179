"""Process stalls: the loop-lag task sees a loop blocked by a synchronous
call, the collector's pauses are counted by generation, and a request's
share of both is what fell inside its time."""

from __future__ import annotations

import asyncio
import gc
import time

import pytest

from roost.infra import stalls
from roost.infra.metrics import GC_PAUSE_SECONDS, LOOP_LAG_SECONDS


def _histogram_count(metric: object, **labels: str) -> float:
    for family in metric.collect():  # type: ignore[attr-defined]
        for sample in family.samples:
            if sample.name.endswith("_count") and all(
                sample.labels.get(k) == v for k, v in labels.items()
            ):
                return float(sample.value)
    return 0.0


def test_the_lag_task_reports_a_blocking_sleep(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("WARNING", logger="roost.stalls")
    loop_lag = stalls.LoopLag()
    loop_lag.interval = 0.01
    loop_lag.log_seconds = 0.1
    observed_before = _histogram_count(LOOP_LAG_SECONDS)

    async def scenario() -> tuple[float, float]:
        task = asyncio.create_task(loop_lag.run())
        await asyncio.sleep(0.05)  # a few punctual ticks
        blocked_from = time.perf_counter()
        time.sleep(0.3)  # noqa: ASYNC251 - a blocking call on the loop, on purpose
        blocked_to = time.perf_counter()
        await asyncio.sleep(0.05)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return blocked_from, blocked_to

    blocked_from, blocked_to = asyncio.run(scenario())
    assert loop_lag.longest >= 0.2
    assert loop_lag.due == 0.0  # the task is gone
    assert _histogram_count(LOOP_LAG_SECONDS) - observed_before >= 3
    # The block is one recorded interval, inside the blocking call's time.
    (due, woke) = max(loop_lag.recent, key=lambda r: r[1] - r[0])
    assert blocked_from - 0.02 <= due and woke >= blocked_to
    assert any("event loop stalled" in r.getMessage() for r in caplog.records)


def test_a_forced_collection_is_counted_by_generation() -> None:
    pauses = stalls.GcPauses()
    pauses.install()
    try:
        before = pauses.totals()
        observed_before = _histogram_count(GC_PAUSE_SECONDS, generation="2")
        gc.collect(2)
        after = pauses.totals()
    finally:
        pauses.uninstall()
    assert after[0] - before[0] >= 1
    assert after[2] - before[2] >= 1 and after[3] > before[3]
    start, end, generation = pauses.recent[-1]
    assert generation == 2 and end > start
    assert pauses.pending  # observed later, outside the collector
    pauses.flush()
    assert pauses.pending == []
    assert _histogram_count(GC_PAUSE_SECONDS, generation="2") - observed_before >= 1
    # Not counted once uninstalled.
    gc.collect(2)
    assert pauses.totals() == after


def test_a_requests_share_is_what_fell_inside_its_time() -> None:
    pauses = stalls.GcPauses()
    loop_lag = stalls.LoopLag()
    base = time.perf_counter()
    before = pauses.totals()
    pauses._callback("start", {"generation": 2})
    pauses._callback("stop", {"generation": 2})
    loop_lag.tick(base + 1.0, base + 1.25)  # 250 ms late, inside the request
    loop_lag.tick(base + 5.0, base + 5.5)  # after it
    loop_lag.tick(base - 2.0, base - 1.0)  # before it
    share = stalls.during(base, base + 2.0, before, gc_pauses=pauses, loop=loop_lag)
    assert (share.gc_count, share.gen2_count) == (1, 1)
    assert share.gc_seconds == share.gen2_seconds >= 0
    assert share.loop_stalled == pytest.approx(0.25)
    assert share.loop_longest == pytest.approx(0.25)
    # A stall still under way at the request's end (the tick is overdue).
    loop_lag.due = base + 1.5
    overdue = stalls.during(base, base + 2.0, before, gc_pauses=pauses, loop=loop_lag)
    assert overdue.loop_stalled == pytest.approx(0.75)
    assert overdue.summary().startswith("gc=1/")
    assert "loop_stall=750.0ms(max 500.0ms)" in overdue.summary()
