"""Every Prometheus metric Roost keeps in its processes, in one place.

The code that counts imports the metric from here and moves it (``inc``,
``observe``, ``set``); ``exposition`` renders them for ``GET /metrics``.
Metrics measured at scrape time from the database (the outbox backlog) are
built by their domain and passed to ``exposition``.

Several processes. ``roost serve --workers N`` runs N processes behind one
port: a scrape reaches one of them and must report all. The server then
sets ``PROMETHEUS_MULTIPROC_DIR`` (``roost.cli``) before the app processes
start, and prometheus-client keeps every value in a memory-mapped file per
process there; ``exposition`` adds them up. That directory must be set
before ``prometheus_client`` is imported in a process, and emptied before
the processes start (``prepare_multiprocess_dir``). A gauge says how the
processes' values combine (``multiprocess_mode``): ``livesum`` adds those of
the living processes, ``livemax`` takes the largest.

Names follow Prometheus's conventions: ``roost_`` prefix, base units
(seconds), ``_total`` for counters.

Spots for other domains: ``STREAMING_CONNECTIONS`` (the streaming server
moves it as connections open and close) and ``MEDIA_PROCESSING_SECONDS``
(the media jobs observe each processing). The media processing queue needs
nothing here: media jobs are outbox jobs, counted by kind in
``roost_outbox_jobs``.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterable
from pathlib import Path

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.core import Metric
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
CONTENT_TYPE = CONTENT_TYPE_LATEST

# Seconds: from a cached read (a millisecond) to a slow write under load.
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

# -- HTTP (roost.api.metrics) -------------------------------------------------
HTTP_REQUESTS = Counter(
    "roost_http_requests_total",
    "HTTP requests answered, by method, route template and status code.",
    ["method", "route", "status"],
)
HTTP_DURATION = Histogram(
    "roost_http_request_duration_seconds",
    "Time from a request's arrival to the end of its response, by method, route"
    " template and status code.",
    ["method", "route", "status"],
    buckets=LATENCY_BUCKETS,
)

# -- jobs (roost.jobs.runner) and fan-out (roost.timelines.fanout) ------------
JOBS_DONE = Counter("roost_jobs_completed_total", "Jobs run to completion, by kind.", ["kind"])
JOB_FAILURES = Counter(
    "roost_job_failures_total",
    "Job attempts that failed, by kind and outcome: retry (backing off), parked (given"
    " up, waits for an operator), postponed (a backend was unreachable; no attempt used).",
    ["kind", "outcome"],
)
JOB_LEASES_LOST = Counter(
    "roost_job_leases_lost_total", "Jobs another worker took over from this one (it ran late)."
)
FANOUT_DELIVERIES = Counter(
    "roost_fanout_deliveries_total", "Status ids pushed into home timelines by fan-out."
)

# -- cache (roost.infra.cache, roost.infra.resilient) --------------------------
CACHE_LOOKUPS = Counter(
    "roost_cache_lookups_total", "Cache keys read, by result (hit or miss).", ["result"]
)
CACHE_HITS = CACHE_LOOKUPS.labels("hit")
CACHE_MISSES = CACHE_LOOKUPS.labels("miss")

# -- Redis breaker (roost.infra.resilient) ------------------------------------
BREAKER_OPEN = Gauge(
    "roost_redis_breaker_open",
    "1 while a process's Redis breaker is open (Redis unreachable, running degraded).",
    multiprocess_mode="livemax",
)
BREAKER_TRIPS = Counter(
    "roost_redis_breaker_trips_total", "Times the Redis breaker opened (Redis became unreachable)."
)

# -- database pool (roost.db.engine) ------------------------------------------
DB_POOL_IN_USE = Gauge(
    "roost_db_pool_connections_in_use",
    "Pooled database connections checked out now, by database (primary or replica).",
    ["database"],
    multiprocess_mode="livesum",
)
DB_REPLICA_USABLE = Gauge(
    "roost_db_replica_usable",
    "1 while a read replica is fresh and reachable enough to answer reads (the lowest"
    " value over the processes).",
    ["replica"],
    multiprocess_mode="livemin",
)

# -- process stalls (roost.infra.stalls) -------------------------------------
# Seconds: timer granularity (a tenth of a millisecond) up to a process that
# stopped for seconds.
STALL_BUCKETS = (0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
LOOP_LAG_SECONDS = Histogram(
    "roost_event_loop_lag_seconds",
    "How late the event loop ran a timer due every 50 ms: time a ready request"
    " could not run (a blocking call, a long stretch of Python, a GC pause).",
    buckets=STALL_BUCKETS,
)
GC_PAUSE_SECONDS = Histogram(
    "roost_gc_pause_seconds",
    "Duration of each cyclic garbage collection, by generation (0, 1, 2); the"
    " process runs nothing else meanwhile.",
    ["generation"],
    buckets=STALL_BUCKETS,
)

# -- spots for other domains ---------------------------------------------------
STREAMING_CONNECTIONS = Gauge(
    "roost_streaming_connections",
    "Open streaming connections (server-sent events and WebSockets).",
    multiprocess_mode="livesum",
)
MEDIA_PROCESSING_SECONDS = Histogram(
    "roost_media_processing_seconds",
    "Time to process one media attachment (thumbnails, transcoding).",
    buckets=(0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0),
)


def multiprocess_dir() -> str | None:
    return os.environ.get(MULTIPROC_ENV) or None


def prepare_multiprocess_dir(path: Path) -> None:
    """An empty directory for the values of the processes about to start
    (values of earlier runs would be added to theirs)."""
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)


_LIVE_FILE = re.compile(r"gauge_live\w+_(\d+)\.db")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def forget_dead_processes(directory: Path) -> None:
    """Drop the live gauges of app processes that died (uvicorn replaces a
    crashed worker): their connections in use are not in use any more.
    Counters of dead processes stay: what they counted happened."""
    for path in directory.glob("gauge_live*.db"):
        found = _LIVE_FILE.fullmatch(path.name)
        if found and not _alive(int(found.group(1))):
            mark_process_dead(int(found.group(1)), str(directory))  # type: ignore[no-untyped-call]


class _Fixed:
    """Metric families measured at scrape time, as a collector."""

    def __init__(self, families: Iterable[Metric]) -> None:
        self.families = list(families)

    def collect(self) -> Iterable[Metric]:
        return self.families


def exposition(extra: Iterable[Metric] = ()) -> bytes:
    """The text format of every metric of this server's processes, plus
    ``extra`` (families measured now)."""
    directory = multiprocess_dir()
    if directory is not None:
        forget_dead_processes(Path(directory))
        registry = CollectorRegistry()
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        body = generate_latest(registry)
    else:
        body = generate_latest(REGISTRY)
    scraped = CollectorRegistry()
    scraped.register(_Fixed(extra))
    return body + generate_latest(scraped)
