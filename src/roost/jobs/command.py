"""``roost worker``: a process that only runs background jobs.

The scale-out deployment runs app servers that do not run jobs themselves
(``ROOST_RUN_WORKERS=false roost serve``) and any number of ``roost worker``
processes, all with the same ``ROOST_DATABASE_URL`` (PostgreSQL) and
``ROOST_REDIS_URL``. Workers share the job table (claims use ``FOR UPDATE
SKIP LOCKED``), so they can be added or removed at any time; app servers wake
them through Redis right after a commit that enqueued work. Run ``roost
migrate`` once before starting them: a worker does not migrate.

Metrics. ``--metrics-port`` serves this process's metrics (jobs completed
and failed, fan-out deliveries, cache lookups, the Redis breaker, the
database pool: ``roost.infra.metrics``) in the Prometheus text format on
``--metrics-host`` (loopback by default: the port has no token, unlike an
app server's ``/metrics``). The outbox backlog is reported by the app
servers.

SIGTERM or SIGINT stops it gracefully: each loop finishes the job it is
running, claimed jobs not yet started are handed back, and the process exits
0. A second signal stops at once (exit 1); the interrupted jobs run again
elsewhere when their lease runs out, which is safe because jobs are
idempotent.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
from collections.abc import Coroutine
from typing import Any

import click

from roost import lifecycle
from roost.config import Settings

log = logging.getLogger("roost.worker")

# The first line a worker prints once its signal handlers are in place.
READY_LINE = "roost worker ready: pid"


async def run_worker(
    settings: Settings,
    *,
    concurrency: int,
    poll_interval: float,
    metrics_port: int = 0,
    metrics_host: str = "127.0.0.1",
) -> int:
    """Run jobs until a signal; returns the process exit code."""
    from roost.services import build_services

    if metrics_port:
        from prometheus_client import start_http_server

        start_http_server(metrics_port, addr=metrics_host)
    services = build_services(settings)
    await services.start()
    loop = asyncio.get_running_loop()
    main = asyncio.current_task()
    assert main is not None
    interrupted = False

    def on_signal(signum: int) -> None:
        nonlocal interrupted
        name = signal.Signals(signum).name
        if not services.jobs.stopping:
            log.info("%s: finishing the current jobs, then exiting", name)
            services.jobs.stop()
        else:
            log.warning("%s again: exiting now", name)
            interrupted = True
            main.cancel()

    signals = (signal.SIGTERM, signal.SIGINT)
    for signum in signals:
        loop.add_signal_handler(signum, on_signal, signum)
    # Printed whatever the log level: whoever started the process (roost
    # bench, a supervisor's health check) may signal it from now on.
    print(f"{READY_LINE} {os.getpid()}", flush=True)
    log.info(
        "worker started: pid %s, concurrency %s, %s",
        os.getpid(),
        concurrency,
        "woken through Redis" if settings.redis_url else f"polling every {poll_interval}s",
    )
    try:
        async with lifecycle.watch_process(settings):
            await services.jobs.run_forever(poll_interval=poll_interval, concurrency=concurrency)
    except asyncio.CancelledError:
        if not interrupted:
            raise
    finally:
        for signum in signals:
            loop.remove_signal_handler(signum)
        await services.close()
    log.info("worker stopped")
    return 1 if interrupted else 0


def _run(coro: Coroutine[Any, Any, int]) -> int:
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop is a dependency
        return asyncio.run(coro)
    return uvloop.run(coro)


@click.command()
@click.option(
    "--concurrency",
    type=click.IntRange(min=1, max=256),
    default=None,
    help="Job loops running side by side in this process (default: one more than "
    "ROOST_MEDIA_PROCESSING_CONCURRENCY, so media never holds every loop).",
)
@click.option(
    "--poll-interval",
    type=click.FloatRange(min=0.01, max=300.0),
    default=1.0,
    show_default=True,
    help="Seconds between looks at the job table when no wake-up arrives.",
)
@click.option(
    "--metrics-port",
    type=click.IntRange(min=0, max=65535),
    default=0,
    show_default=True,
    help="Serve Prometheus metrics on this port (0: none).",
)
@click.option(
    "--metrics-host",
    default="127.0.0.1",
    show_default=True,
    help="Address of the metrics port (it has no token: keep it private).",
)
def worker(
    concurrency: int | None, poll_interval: float, metrics_port: int, metrics_host: str
) -> None:
    """Run background jobs (fan-out and the like) until SIGTERM or SIGINT.

    Settings come from the ROOST_* environment, as for `roost serve`. Scale-out:
    run `roost migrate` once, then app servers with ROOST_RUN_WORKERS=false
    `roost serve` and as many `roost worker` processes as needed, all on the
    same ROOST_DATABASE_URL and ROOST_REDIS_URL.
    """
    settings = Settings.from_env()
    loops = concurrency or settings.job_loops
    sys.exit(
        _run(
            run_worker(
                settings,
                concurrency=loops,
                poll_interval=poll_interval,
                metrics_port=metrics_port,
                metrics_host=metrics_host,
            )
        )
    )
