"""Open-loop load at a fixed rate, for latency figures.

wrk is closed-loop: when the server stalls, wrk stops sending, so the
requests that would have waited are never measured ("coordinated
omission"). Here request ``i`` is due at ``start + i / rate`` whatever
happened before, and its latency is counted from that due time, not from
when it was actually sent. A Python client cannot push the rates wrk can,
so this runs at moderate rates and its results are labelled as such.
"""

from __future__ import annotations

import asyncio
import collections
import dataclasses
import time
from collections.abc import Callable
from typing import Any

from roost_bench.http import HttpClient, HttpResponse
from roost_bench.stats import latency_summary

CLIENT_LABEL = "asyncio open-loop client (latency from due time)"


@dataclasses.dataclass(frozen=True, slots=True)
class PlannedRequest:
    kind: str
    raw: bytes
    # Called with the response and the time.perf_counter() it completed at.
    on_response: Callable[[HttpResponse, float], None] | None = None


@dataclasses.dataclass
class OpenLoopResult:
    rate: float
    duration: float
    latencies: dict[str, list[float]] = dataclasses.field(
        default_factory=lambda: collections.defaultdict(list)
    )
    statuses: dict[str, collections.Counter[int]] = dataclasses.field(
        default_factory=lambda: collections.defaultdict(collections.Counter)
    )
    failures: dict[str, collections.Counter[str]] = dataclasses.field(
        default_factory=lambda: collections.defaultdict(collections.Counter)
    )
    sent: int = 0
    max_send_lag: float = 0.0
    # CPU seconds the client process used during the run: it shares the cores
    # with the server, so a busy client lowers what the server can reach.
    client_cpu_seconds: float | None = None

    @property
    def completed(self) -> int:
        return sum(len(v) for v in self.latencies.values())

    def errors(self, kind: str | None = None) -> int:
        kinds = [kind] if kind else list(self.statuses.keys() | self.failures.keys())
        total = 0
        for k in kinds:
            total += sum(n for code, n in self.statuses.get(k, {}).items() if code >= 400)
            total += sum(self.failures.get(k, {}).values())
        return total

    def summary(self) -> dict[str, Any]:
        every = [x for values in self.latencies.values() for x in values]
        kinds = sorted(self.latencies.keys() | self.failures.keys())
        return {
            "client": CLIENT_LABEL,
            "target_rate": self.rate,
            "achieved_rate": self.completed / self.duration if self.duration else 0.0,
            "duration_s": self.duration,
            "sent": self.sent,
            "completed": self.completed,
            "errors": self.errors(),
            "max_send_lag_ms": self.max_send_lag * 1000,
            "client_cores": (
                self.client_cpu_seconds / self.duration
                if self.client_cpu_seconds is not None and self.duration
                else None
            ),
            "latency_ms": latency_summary(every),
            "by_kind": {
                kind: {
                    "completed": len(self.latencies.get(kind, [])),
                    "errors": self.errors(kind),
                    "statuses": {str(k): v for k, v in sorted(self.statuses[kind].items())},
                    "failures": dict(self.failures[kind]),
                    "latency_ms": latency_summary(self.latencies.get(kind, [])),
                }
                for kind in kinds
            },
        }


async def run_open_loop(
    client: HttpClient,
    *,
    rate: float,
    duration: float,
    next_request: Callable[[], PlannedRequest],
    drain_timeout: float = 15.0,
) -> OpenLoopResult:
    """Send ``rate * duration`` requests on a fixed schedule; wait for the stragglers."""
    if rate <= 0 or duration <= 0:
        raise ValueError("rate and duration must be positive")
    result = OpenLoopResult(rate=rate, duration=duration)
    total = max(1, round(rate * duration))
    interval = 1.0 / rate
    tasks: set[asyncio.Task[None]] = set()

    async def one(planned: PlannedRequest, due: float) -> None:
        try:
            response = await client.send_raw(planned.raw)
        except (TimeoutError, OSError, asyncio.IncompleteReadError) as exc:
            result.failures[planned.kind][type(exc).__name__] += 1
            return
        finished = time.perf_counter()
        result.latencies[planned.kind].append(finished - due)
        result.statuses[planned.kind][response.status] += 1
        if planned.on_response is not None:
            planned.on_response(response, finished)

    # Times from perf_counter, not loop.time(): uvloop's clock moves in whole
    # milliseconds, too coarse for latencies of a few milliseconds.
    start = time.perf_counter() + 0.05
    for i in range(total):
        due = start + i * interval
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        else:
            result.max_send_lag = max(result.max_send_lag, -delay)
        task = asyncio.create_task(one(next_request(), due))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
        result.sent += 1
    if tasks:
        _, pending = await asyncio.wait(set(tasks), timeout=drain_timeout)
        for task in pending:
            task.cancel()
        if pending:
            result.failures["unfinished"]["drain timeout"] += len(pending)
    return result
