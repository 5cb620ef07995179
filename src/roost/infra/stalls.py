"""Process stalls, measured: how late the event loop runs its callbacks, and
how long the cyclic garbage collector stops the process.

A warm read that costs no SQL and no cache miss can still take hundreds of
milliseconds when the process that serves it is not running it: the event
loop is blocked (a synchronous call, a long stretch of Python in another
task) or the garbage collector is walking every object the process holds.
Both show up here, with a cost small enough to keep them on in production.

Event-loop lag. ``LoopLag.run`` is a task that sleeps ``interval`` seconds
again and again and measures how late it wakes up. Any lateness is time the
loop could not run a ready callback. Every lateness is observed into
``roost_event_loop_lag_seconds``; lateness over ``log_seconds`` is logged
(logger ``roost.stalls``) and, over ``RECORD_FLOOR``, kept as an interval
(the time the tick was due, the time it ran) for ``during``.

Garbage collection. ``GcPauses`` hooks ``gc.callbacks``: each collection's
duration by generation goes into running totals and into the recent
pauses (for ``during``). The Prometheus histogram is fed later, from the
loop-lag task, not from the callback: a collection can start while a
metric's lock is held in this very thread (an allocation inside
``observe``), and observing from the callback would then wait for itself.

A request's share. ``during(start, end, gc_before)`` says how much garbage
collection and how much loop stall fell inside a request's time, which the
slow-request log (``roost.infra.request_cost``) appends to its line.

Everything here is per process and single-threaded (the event loop's
thread; collections triggered in other threads are counted too, their
order in time is all that matters).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import gc
import logging
import time
from collections import deque
from typing import Any

from roost.infra.metrics import GC_PAUSE_SECONDS, LOOP_LAG_SECONDS

log = logging.getLogger("roost.stalls")

# A loop lag under this (seconds) is timer granularity and scheduling noise:
# observed into the histogram, not kept as an interval.
RECORD_FLOOR = 0.002
# Intervals kept for ``during``: a slow request looks at the last few.
RECENT = 512

_clock = time.perf_counter
# CPU time of this thread (the collector runs in the thread that allocated):
# the part of a pause that was the collector's own work, not the machine
# giving the CPU to other processes meanwhile.
_cpu = time.thread_time


class GcPauses:
    """Totals and recent intervals of the garbage collector's pauses."""

    def __init__(self) -> None:
        self.counts = [0, 0, 0]
        self.seconds = [0.0, 0.0, 0.0]
        self.longest = [0.0, 0.0, 0.0]
        # (start, end, generation) of the latest collections.
        self.recent: deque[tuple[float, float, int]] = deque(maxlen=RECENT)
        # (generation, seconds, CPU seconds) not yet observed into the histogram.
        self.pending: list[tuple[int, float, float]] = []
        self.log_seconds = 0.0
        self._started = 0.0
        self._cpu_started = 0.0
        self._installed = False

    def install(self) -> None:
        """Start counting (idempotent)."""
        if not self._installed:
            gc.callbacks.append(self._callback)
            self._installed = True

    def uninstall(self) -> None:
        if self._installed:
            with contextlib.suppress(ValueError):
                gc.callbacks.remove(self._callback)
            self._installed = False

    def _callback(self, phase: str, info: dict[str, Any]) -> None:
        # Inside the collector: plain arithmetic and appends only.
        if phase == "start":
            self._started = _clock()
            self._cpu_started = _cpu()
            return
        end = _clock()
        cpu = _cpu() - self._cpu_started
        generation = info["generation"]
        duration = end - self._started
        self.counts[generation] += 1
        self.seconds[generation] += duration
        if duration > self.longest[generation]:
            self.longest[generation] = duration
        self.recent.append((self._started, end, generation))
        if len(self.pending) < 10_000:
            self.pending.append((generation, duration, cpu))

    def totals(self) -> tuple[int, float, int, float]:
        """(collections, seconds, generation-2 collections, their seconds) so far."""
        return (sum(self.counts), sum(self.seconds), self.counts[2], self.seconds[2])

    def flush(self) -> None:
        """Observe the pauses since the last flush into the histogram, and log
        the long ones (called from the loop-lag task, outside the collector)."""
        pending, self.pending = self.pending, []
        children = _GC_CHILDREN
        for generation, duration, cpu in pending:
            children[generation].observe(duration)
            if self.log_seconds > 0 and duration >= self.log_seconds:
                log.warning(
                    "garbage collection paused the process: generation %d, %.1fms (cpu %.1fms)",
                    generation,
                    duration * 1000,
                    cpu * 1000,
                )


class LoopLag:
    """The loop-lag task and the stalls it saw."""

    def __init__(self) -> None:
        self.interval = 0.05
        self.log_seconds = 0.0
        # (due, woke) of the latest ticks that ran late by RECORD_FLOOR or more.
        self.recent: deque[tuple[float, float]] = deque(maxlen=RECENT)
        # When the sleeping tick is due (0: no task running).
        self.due = 0.0
        self.ticks = 0
        self.longest = 0.0

    def tick(self, due: float, woke: float) -> float:
        """Account one wake-up that was due at ``due``; returns the lag."""
        lag = max(0.0, woke - due)
        self.ticks += 1
        LOOP_LAG_SECONDS.observe(lag)
        if lag > self.longest:
            self.longest = lag
        if lag >= RECORD_FLOOR:
            self.recent.append((due, woke))
        if self.log_seconds > 0 and lag >= self.log_seconds:
            log.warning("event loop stalled: a timer ran %.1fms late", lag * 1000)
        return lag

    async def run(self, gc_pauses: GcPauses | None = None) -> None:
        """Measure until cancelled, flushing ``gc_pauses`` on every tick."""
        try:
            while True:
                self.due = _clock() + self.interval
                await asyncio.sleep(self.interval)
                self.tick(self.due, _clock())
                if gc_pauses is not None and gc_pauses.pending:
                    gc_pauses.flush()
        finally:
            self.due = 0.0


GC = GcPauses()
LOOP = LoopLag()
_GC_CHILDREN = tuple(GC_PAUSE_SECONDS.labels(str(g)) for g in range(3))


@dataclasses.dataclass(frozen=True, slots=True)
class Stalls:
    """What stalled the process while one request ran."""

    gc_count: int
    gc_seconds: float
    gen2_count: int
    gen2_seconds: float
    # Time within the request when the loop ran late (intervals over the
    # floor, including a tick overdue right now), and the longest of them.
    loop_stalled: float
    loop_longest: float

    def summary(self) -> str:
        """``gc=3/41.2ms gen2=1/39.8ms loop_stall=120.5ms(max 120.5ms)``."""
        return (
            f"gc={self.gc_count}/{self.gc_seconds * 1000:.1f}ms "
            f"gen2={self.gen2_count}/{self.gen2_seconds * 1000:.1f}ms "
            f"loop_stall={self.loop_stalled * 1000:.1f}ms"
            f"(max {self.loop_longest * 1000:.1f}ms)"
        )


def during(
    start: float,
    end: float,
    gc_before: tuple[int, float, int, float],
    *,
    gc_pauses: GcPauses = GC,
    loop: LoopLag = LOOP,
) -> Stalls:
    """The collections and loop stalls between ``start`` and ``end`` (clock
    ``time.perf_counter``); ``gc_before`` is ``gc_pauses.totals()`` at start."""
    count, seconds, gen2, gen2_seconds = gc_pauses.totals()
    intervals = list(loop.recent)
    if loop.due and end > loop.due:
        intervals.append((loop.due, end))  # overdue now: the loop is still busy
    stalled = longest = 0.0
    for due, woke in intervals:
        covered = min(woke, end) - max(due, start)
        if covered > 0:
            stalled += covered
            longest = max(longest, covered)
    return Stalls(
        gc_count=count - gc_before[0],
        gc_seconds=seconds - gc_before[1],
        gen2_count=gen2 - gc_before[2],
        gen2_seconds=gen2_seconds - gc_before[3],
        loop_stalled=stalled,
        loop_longest=longest,
    )


@contextlib.asynccontextmanager
async def watching(*, log_ms: float, interval: float = 0.05) -> Any:
    """Count collections and run the loop-lag task while the block runs
    (the process's lifetime: the app's lifespan, a worker's run)."""
    GC.log_seconds = LOOP.log_seconds = log_ms / 1000.0
    LOOP.interval = interval
    GC.install()
    task = asyncio.create_task(LOOP.run(GC), name="roost-loop-lag")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        GC.flush()
