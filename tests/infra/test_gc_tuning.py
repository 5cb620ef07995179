"""The collector set for a serving process (ROOST_GC_TUNING): frozen after
start-up; left alone with the setting off; the stall measurements run
either way."""

from __future__ import annotations

import asyncio
import gc

from roost import lifecycle
from roost.config import Settings
from roost.infra import gc_tuning, stalls


def _serve_briefly(settings: Settings) -> tuple[tuple[int, int, int], int, bool]:
    async def scenario() -> tuple[tuple[int, int, int], int, bool]:
        async with lifecycle.watch_process(settings):
            await asyncio.sleep(0.12)  # a couple of the lag task's ticks
            return gc.get_threshold(), gc.get_freeze_count(), stalls.LOOP.due > 0

    return asyncio.run(scenario())


def test_tuning_freezes_the_objects_alive_at_start_up() -> None:
    gc_tuning.restore()  # whatever an earlier test in this process left
    before = gc.get_threshold()
    ticks = stalls.LOOP.ticks
    try:
        threshold, frozen, lag_task_running = _serve_briefly(
            Settings(gc_tuning=True, stall_log_ms=0)
        )
    finally:
        gc_tuning.restore()
    assert threshold == before  # CPython's thresholds kept
    assert frozen > 1000  # the modules, classes and functions loaded so far
    assert lag_task_running and stalls.LOOP.ticks > ticks
    assert stalls.LOOP.due == 0.0  # stopped with the process's work


def test_off_leaves_the_collector_alone_and_still_measures() -> None:
    gc_tuning.restore()
    before = gc.get_threshold()
    ticks = stalls.LOOP.ticks
    threshold, frozen, lag_task_running = _serve_briefly(Settings(gc_tuning=False))
    assert threshold == before and frozen == 0
    assert lag_task_running and stalls.LOOP.ticks > ticks
