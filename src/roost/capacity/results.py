"""The part of a `roost bench` result file that `roost capacity` reads.

The bench (package ``roost_bench``, installed with the ``bench`` extra)
writes result files; `roost capacity` reads them on a server install that
may not have the bench. This module is the contract between the two: the
bench computes the file's ``capacity`` section with ``capacity_figures``
and writes it through ``CapacityFigures``, and capacity decodes the file
with ``decode_result``. A field the bench renames then fails here, as a
clean "not a bench result" error, instead of deep inside capacity.

Only what the per-core figures need is typed; the rest of a run (latency
percentiles, open-loop steps, Redis memory, ...) is the bench's own report
data and is left as it is.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

import msgspec

# A fan-out rate counts only if its posts reached followers within this p99.
DELAY_TARGET_MS = 1_000.0

# The figures a result may provide, by capacity.model.Throughput field.
PER_CORE = (
    "timeline_reads_per_core",
    "posts_per_core",
    "fanout_inserts_per_core",
)

NOTE = (
    "runs on PostgreSQL + Redis preferred to embedded ones when the result has both; "
    "per app server process: home reads/s (wrk max), posts/s (burst); per process "
    "running the jobs (job worker, else app server): fan-out inserts/s (a paused "
    "backlog's delivery rate, else the highest fixed posting rate delivered with p99 "
    "under 1 s, a lower bound)"
)


class Rate(msgspec.Struct):
    """A repeated wrk measurement; the bench also stores min, max and runs."""

    median: float


class Load(msgspec.Struct):
    """What wrk sustained in a closed loop."""

    rps: Rate
    errors: int = 0


class HomeRun(msgspec.Struct):
    """A ``workload: home`` run: home-timeline reads."""

    deployment: str
    workers: int
    throughput: Load


class Burst(msgspec.Struct):
    throughput: Load


class DelayRun(msgspec.Struct):
    """One fixed posting rate of a fan-out run."""

    rate: float
    mean_followers: float
    undelivered: int
    # Percentiles (p50, p99, ...); empty when no post was seen delivered.
    delay_ms: dict[str, float]


class Drain(msgspec.Struct):
    # None: the backlog was not delivered within the bench's timeout.
    posts_per_s: float | None = None


class FanoutRun(msgspec.Struct):
    """A ``workload: fanout`` run: posting, and delivery to followers."""

    deployment: str
    workers: int
    mean_followers: float
    burst: Burst
    delay: list[DelayRun]
    # `roost worker` processes running the jobs; 0: the app servers run them.
    job_workers: int = 0
    workers_drain: Drain | None = None


class CapacityFigures(msgspec.Struct, omit_defaults=True):
    """The file's ``capacity`` section: per-process throughput, where measured."""

    timeline_reads_per_core: float | None = None
    posts_per_core: float | None = None
    fanout_inserts_per_core: float | None = None
    # Which deployments the figures came from, by kind of figure.
    deployments: dict[str, list[str]] = {}
    note: str = ""

    def per_core(self) -> dict[str, float]:
        """The measured figures (a missing or zero one was not measured)."""
        found: dict[str, float] = {}
        for name in PER_CORE:
            value = getattr(self, name)
            if value is not None and value > 0:
                found[name] = float(value)
        return found


Run = TypeVar("Run", HomeRun, FanoutRun)


class BenchResult(msgspec.Struct):
    """A result file. ``results`` holds every workload's runs, of any kind."""

    kind: str = ""
    results: list[dict[str, Any]] = []
    capacity: CapacityFigures | None = None


def decode_result(data: bytes | str) -> BenchResult:
    """Read a result file's JSON; ValueError when it is not one."""
    try:
        return msgspec.json.decode(data, type=BenchResult)
    except msgspec.DecodeError as exc:  # ValidationError included
        raise ValueError(f"not a `roost bench` result: {exc}") from exc


def _planned(results: list[Mapping[str, Any]], workload: str, kind: type[Run]) -> list[Run]:
    """A workload's runs, those on PostgreSQL + Redis when there are any: a
    plan is for the deployment that scales out (the embedded one keeps its
    cache and timelines in one process)."""
    runs = [r for r in results if r.get("workload") == workload]
    runs = [r for r in runs if r.get("deployment") == "postgres"] or runs
    try:
        return [msgspec.convert(r, kind) for r in runs]
    except msgspec.ValidationError as exc:
        raise ValueError(f"a {workload} run does not read as one: {exc}") from exc


def capacity_figures(results: Iterable[Mapping[str, Any]]) -> CapacityFigures:
    """Per-process throughput for `roost capacity`, from the best measured runs."""
    runs = list(results)
    homes = _planned(runs, "home", HomeRun)
    fanouts = _planned(runs, "fanout", FanoutRun)
    reads = [r.throughput.rps.median / r.workers for r in homes]
    posts = [
        r.burst.throughput.rps.median / r.workers for r in fanouts if r.burst.throughput.errors == 0
    ]
    # Fan-out runs where the jobs run: in the job workers when there are any.
    inserts = [
        run.rate * run.mean_followers / (r.job_workers or r.workers)
        for r in fanouts
        for run in r.delay
        if run.undelivered == 0 and run.delay_ms.get("p99", float("inf")) < DELAY_TARGET_MS
    ]
    # The job workers' own rate, where measured: a backlog delivered by
    # workers that had been paused while it was posted.
    inserts += [
        r.workers_drain.posts_per_s * r.mean_followers / r.job_workers
        for r in fanouts
        if r.job_workers and r.workers_drain and r.workers_drain.posts_per_s is not None
    ]
    return CapacityFigures(
        timeline_reads_per_core=max(reads, default=None),
        posts_per_core=max(posts, default=None),
        fanout_inserts_per_core=max(inserts, default=None),
        deployments={
            "reads": sorted({r.deployment for r in homes}),
            "posts and fan-out": sorted({r.deployment for r in fanouts}),
        },
        note=NOTE,
    )
