"""What every workload shares: the options, the servers, wrk and the clients."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import time
from collections.abc import Awaitable, Callable, Coroutine, Iterator, Mapping
from pathlib import Path
from typing import Any, TypeVar

from rich.console import Console

from roost_bench import ceiling
from roost_bench.deploy import Deployment
from roost_bench.http import HttpClient
from roost_bench.jobworkers import JobWorkers, app_env, jobs_label, run_job_workers
from roost_bench.openloop import OpenLoopResult, PlannedRequest, run_open_loop
from roost_bench.servers import RunningServer, ServerSpec, serve
from roost_bench.stats import Spread, spread
from roost_bench.wrk import WrkResult, WrkRun, run_wrk, summarize_runs

T = TypeVar("T")
WORKLOADS = ("home", "fanout", "mix", "celebrities", "scale")


@dataclasses.dataclass(frozen=True)
class BenchOptions:
    quick: bool = False
    workloads: tuple[str, ...] = WORKLOADS
    deployments: tuple[str, ...] = ("embedded",)
    workers: tuple[int, ...] = (1,)
    # `roost worker` processes running the jobs (postgres deployment); 0: the
    # app server processes run them. Fan-out runs once per count.
    job_workers: tuple[int, ...] = (0,)
    job_concurrency: int = 1
    server: str = "uvicorn"
    database_url: str | None = None
    redis_url: str | None = None
    dataset: Path | None = None
    repetitions: int = 3
    duration: float = 10.0
    warmup: float = 3.0
    connections: int = 32
    threads: int = 1
    open_loop_seconds: float = 10.0
    # Open-loop rates as shares of the measured maximum throughput.
    fractions: tuple[float, ...] = (0.25, 0.5, 0.75)
    # What the Python open-loop client is trusted to send per second.
    client_rate_cap: float = 2_000.0
    # Fixed posting rates for the fan-out delay; empty: shares (``fractions``)
    # of the posting burst's maximum.
    post_rates: tuple[float, ...] = ()
    observers: int = 16
    # Readers of the home runs (None: everyone with a token); also caps the
    # readers of the scale (500) and celebrity (200 random) runs. Each first
    # read may rebuild a timeline, so fewer readers warm up faster.
    home_readers: int | None = None
    celebrity_users: int = 50_000
    celebrity_followers: int = 49_999
    celebrity_follows_per_user: float = 30.0
    # ROOST_HOT_USER_THRESHOLD of the celebrity deployment (None: the
    # environment's or the default 10,000).
    hot_user_threshold: int | None = None
    scale_sizes: tuple[int, ...] = (100_000, 1_000_000)
    # Fixed read rate of the scale and celebrity runs: the same offered load
    # for every size, kept below what one small machine serves.
    scale_rate: float = 50.0
    settle_timeout: float = 120.0
    seed: int = 0
    out_dir: Path = Path("bench-results")

    @classmethod
    def quick_defaults(cls, **overrides: Any) -> BenchOptions:
        """Small sizes and short runs: the whole suite in under two minutes."""
        base: dict[str, Any] = {
            "quick": True,
            "repetitions": 1,
            "duration": 3.0,
            "warmup": 1.0,
            "open_loop_seconds": 3.0,
            "fractions": (0.5,),
            "observers": 8,
            "home_readers": 100,
            "celebrity_users": 3_000,
            "celebrity_followers": 2_500,
            "celebrity_follows_per_user": 15.0,
            "scale_sizes": (20_000,),
            "scale_rate": 25.0,
            "settle_timeout": 20.0,
        }
        return cls(**(base | overrides))


def run_async(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine on a fresh uvloop (the clients' per-request cost matters)."""
    import uvloop

    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(coro)


class Bench:
    """Runs the pieces of a suite and remembers the ceilings it measured."""

    def __init__(self, options: BenchOptions, console: Console) -> None:
        self.options = options
        self.console = console
        self.ceilings: dict[int, dict[str, Any]] = {}
        self.started = time.monotonic()

    @property
    def wrk_run(self) -> WrkRun:
        o = self.options
        return WrkRun(threads=o.threads, connections=o.connections, duration=o.duration)

    def say(self, text: str) -> None:
        elapsed = time.monotonic() - self.started
        self.console.print(f"  {elapsed:5.0f}s {text}", style="dim", highlight=False)

    @contextlib.contextmanager
    def roost(
        self, deployment: Deployment, workers: int, job_workers: int = 0
    ) -> Iterator[RoostRun]:
        """Roost's app servers, plus ``job_workers`` `roost worker` processes
        running the jobs in their place when above 0."""
        spec = ServerSpec(
            self.options.server,
            "roost",
            workers=workers,
            env=app_env(deployment.env, job_workers),
            probe_path="/api/v1/instance",
            # The scale-out deployment as it runs: HAProxy in front of
            # ``workers`` app servers (roost cluster).
            balanced=deployment.name == "postgres" and self.options.server == "uvicorn",
        )
        self.say(
            f"starting Roost ({deployment.label}, {workers} app process(es), {spec.server}"
            f"{' behind HAProxy' if spec.balanced else ''}, "
            f"jobs {jobs_label(job_workers)})"
        )
        with (
            serve(spec, ready_timeout=120) as server,
            run_job_workers(
                job_workers, deployment.env, concurrency=self.options.job_concurrency
            ) as jobs,
        ):
            run = RoostRun(server, job_workers, jobs)
            yield run
        if jobs is not None:
            run.exit_codes = list(jobs.exit_codes)
            if any(code != 0 for code in jobs.exit_codes):
                self.say(f"job workers exited with {jobs.exit_codes} (0: graceful)")

    def wrk_reps(
        self,
        url: str,
        workload: str,
        data: Mapping[str, Any],
        *,
        label: str,
        on_warmup: Callable[[WrkResult], None] | None = None,
    ) -> list[WrkResult]:
        """Warm up, then the configured number of measured wrk runs."""
        o = self.options
        if o.warmup > 0:
            warm = run_wrk(
                url,
                run=dataclasses.replace(self.wrk_run, duration=o.warmup),
                workload=workload,
                data=data,
            )
            if on_warmup is not None:
                on_warmup(warm)
        results = []
        for i in range(o.repetitions):
            result = run_wrk(url, run=self.wrk_run, workload=workload, data=data)
            self.say(
                f"{label} run {i + 1}/{o.repetitions}: {result.rps:,.0f} req/s, "
                f"{result.errors} errors"
            )
            results.append(result)
        return results

    def ceiling(self, workers: int, wrk_data: Mapping[str, Any]) -> dict[str, Any]:
        """The bare app on the same server and worker count, with the same
        script as the home-timeline runs (its tokens are ignored)."""
        if workers in self.ceilings:
            return self.ceilings[workers]
        app = f"roost_bench.ceiling:{ceiling.app_name('starlette')}"
        spec = ServerSpec(self.options.server, app, workers=workers, probe_path=ceiling.PATH)
        self.say(f"ceiling: bare Starlette, {len(ceiling.BODY):,}-byte page, {workers} worker(s)")
        with serve(spec) as server:
            runs = self.wrk_reps(server.url, "home", wrk_data, label="ceiling")
        summary = summarize_runs(runs) | {"app": "starlette", "body_bytes": len(ceiling.BODY)}
        self.ceilings[workers] = summary
        return summary

    def open_loop(
        self,
        url: str,
        *,
        rate: float,
        make: Callable[[str], Callable[[], PlannedRequest]],
        duration: float | None = None,
    ) -> OpenLoopResult:
        """One open-loop run; ``make(hostport)`` builds the request source."""
        seconds = duration or self.options.open_loop_seconds

        async def go() -> OpenLoopResult:
            client = HttpClient(url, max_connections=256)
            try:
                return await run_open_loop(
                    client, rate=rate, duration=seconds, next_request=make(client.hostport)
                )
            finally:
                await client.close()

        cpu = time.process_time()
        result = run_async(go())
        result.client_cpu_seconds = time.process_time() - cpu
        return result

    def rates(self, max_rps: float) -> list[float]:
        """The open-loop rates for a measured maximum, capped for the Python client."""
        o = self.options
        return [max(1.0, min(f * max_rps, o.client_rate_cap)) for f in o.fractions]

    def with_client(self, url: str, job: Callable[[HttpClient], Awaitable[T]]) -> T:
        async def go() -> T:
            client = HttpClient(url, max_connections=64)
            try:
                return await job(client)
            finally:
                await client.close()

        return run_async(go())


@dataclasses.dataclass
class RoostRun:
    """A running Roost: app servers and the job workers (None: jobs in the app)."""

    server: RunningServer
    job_workers: int
    jobs: JobWorkers | None
    exit_codes: list[int | None] = dataclasses.field(default_factory=list)

    @property
    def url(self) -> str:
        return self.server.url

    def job_cpu_seconds(self) -> float | None:
        """CPU time used so far by the job workers (None: jobs run in the app)."""
        return self.jobs.cpu_seconds() if self.jobs else None


def rps_spread(runs: list[WrkResult]) -> Spread:
    return spread(r.rps for r in runs)
