"""`roost bench`: set up the data, start the servers, run the workloads.

For each deployment (embedded, PostgreSQL + Redis) the socfb-Reed98 graph
is loaded twice (20-25 statuses per user for the home-timeline and fan-out
runs, 0-20 for the social mix, as benchmark.md asks), the generated
celebrity graph once and every scale size once; each load goes into a fresh
store. Every server-side workload runs for each worker count; on the
postgres deployment the fan-out runs once per job worker count
(``--job-workers``), the other workloads with the first of them.
"""

from __future__ import annotations

import dataclasses
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)

from roost.config import Settings
from roost.seed.graphs import FollowGraph, read_reed98
from roost.seed.text import TextStyle
from roost_bench.celebrities import celebrity_workload, plan_celebrities
from roost_bench.dataset import BenchData, following_of, load_dataset, sample_users
from roost_bench.deploy import Deployment, open_deployment, storage_size
from roost_bench.jobworkers import job_worker_counts, jobs_label, wait_for_jobs
from roost_bench.runner import Bench, RoostRun, run_async
from roost_bench.scale import scale_graph, scale_readers, scale_workload
from roost_bench.stored_timelines import (
    existing_timelines,
    per_timeline_delta,
    stored_home_ids,
    timeline_memory,
    used_memory,
)
from roost_bench.workloads import fanout_workload, home_readers, home_workload, mix_workload

HOME_POSTS = (20, 25)
MIX_POSTS = (0, 20)


class Suite:
    def __init__(self, bench: Bench) -> None:
        self.bench = bench
        self.options = bench.options
        self.results: list[dict[str, Any]] = []
        self.failures: list[dict[str, str]] = []
        self._mark = time.monotonic()

    def run(self) -> dict[str, Any]:
        started = time.monotonic()
        wanted = set(self.options.workloads)
        for name in self.options.deployments:
            self.bench.console.rule(f"[bold]{name}")
            if self.options.quick and wanted & {"home", "fanout", "mix"}:
                # One load for the three: quick mode saves a load and a server start.
                self._reed98(name, HOME_POSTS, self._reed98_workloads)
            else:
                if wanted & {"home", "fanout"}:
                    self._reed98(name, HOME_POSTS, self._reed98_workloads)
                if "mix" in wanted:
                    self._reed98(name, MIX_POSTS, self._mix)
            if "celebrities" in wanted:
                self._celebrities(name)
            if "scale" in wanted:
                for size in self.options.scale_sizes:
                    self._scale(name, size)
        return {
            "results": self.results,
            "ceilings": {str(k): v for k, v in self.bench.ceilings.items()},
            "failures": self.failures,
            "elapsed_seconds": time.monotonic() - started,
        }

    def _load(
        self,
        deployment: Deployment,
        graph: FollowGraph,
        posts: tuple[int, int],
        *,
        token_users: list[int] | None = None,
        text_style: TextStyle = "bench",
    ) -> BenchData:
        columns = (
            TextColumn("  {task.description:>9}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
        )
        with Progress(*columns, console=self.bench.console, transient=True) as progress:
            data = run_async(
                load_dataset(
                    deployment,
                    graph,
                    posts_per_user=posts,
                    token_users=token_users,
                    text_style=text_style,
                    seed=self.options.seed,
                    progress=progress,
                )
            )
        self.bench.say(
            f"loaded {data.graph}: {data.users:,} users, {data.follows:,} follows, "
            f"{data.statuses:,} statuses in {sum(data.load_seconds.values()):.1f} s"
        )
        return data

    @contextmanager
    def _guard(self, label: str) -> Iterator[None]:
        """One workload failing (a missing endpoint, a crash) must not stop the others."""
        try:
            yield
        except Exception as exc:
            self.failures.append({"workload": label, "error": f"{type(exc).__name__}: {exc}"})
            self.bench.console.print(f"  [red]{label} failed:[/] {type(exc).__name__}: {exc}")

    def _record(
        self,
        deployment: Deployment,
        workers: int,
        data: BenchData,
        result: dict[str, Any],
        job_workers: int = 0,
    ) -> dict[str, Any]:
        now = time.monotonic()
        self.bench.say(f"{result['workload']} done in {now - self._mark:.0f} s")
        self._mark = now
        record = {
            "deployment": deployment.name,
            "workers": workers,
            "job_workers": job_workers,
            "jobs": jobs_label(job_workers),
            "data": data.summary(),
        } | result
        self.results.append(record)
        return record

    def _job_workers(self, dep: Deployment) -> tuple[int, ...]:
        return job_worker_counts(dep.name, self.options.job_workers)

    def _app_workers(self, dep: Deployment) -> tuple[int, ...]:
        """App server counts to run: the embedded default keeps its cache and
        timelines in the process, so it runs (and `roost serve` allows) one."""
        if dep.name == "embedded":
            return (1,)
        return tuple(self.options.workers)

    def _reed98(
        self,
        name: str,
        posts: tuple[int, int],
        body: Callable[[Deployment, BenchData, FollowGraph], None],
    ) -> None:
        o = self.options
        with self._guard(f"{name} socfb-Reed98 {posts[0]}-{posts[1]} posts"):
            graph = read_reed98(o.dataset)
            with open_deployment(name, database_url=o.database_url, redis_url=o.redis_url) as dep:
                data = self._load(dep, graph, posts)
                self._mark = time.monotonic()
                body(dep, data, graph)

    def _reed98_workloads(self, dep: Deployment, data: BenchData, graph: FollowGraph) -> None:
        """Home and fan-out (and in quick mode the mix, on the same data).

        Every read runs before any posting burst: a burst leaves thousands of
        longer statuses behind (mentions, links), so reads after it would serve
        bigger pages than the reads of another worker count. The reads run with
        the first job worker count, fan-out with each.
        """
        o = self.options
        reads = "home" in o.workloads or (o.quick and "mix" in o.workloads)
        first_jobs = self._job_workers(dep)[0]
        for workers in self._app_workers(dep) if reads else ():
            recorded: list[dict[str, Any]] = []
            with self.bench.roost(dep, workers, first_jobs) as run:
                if "home" in o.workloads:
                    with self._guard(f"{dep.name} home, {workers} worker(s)"):
                        recorded.append(self._home(dep, run, data, workers, first_jobs))
                if o.quick and "mix" in o.workloads:
                    with self._guard(f"{dep.name} mix, {workers} worker(s)"):
                        result = mix_workload(self.bench, run.url, data, workers)
                        recorded.append(self._record(dep, workers, data, result, first_jobs))
            self._note_exits(run, recorded)
        if "fanout" not in o.workloads:
            return
        observers = sample_users(data.users, o.observers, seed=o.seed + 3)
        following = following_of(graph, observers)
        for workers in self._app_workers(dep):
            for job_workers in self._job_workers(dep):
                recorded = []
                with self.bench.roost(dep, workers, job_workers) as run:
                    label = f"{dep.name} fanout, {workers} worker(s), jobs {job_workers}"
                    with self._guard(label):
                        recorded.append(self._fanout(dep, run, data, following, workers))
                self._note_exits(run, recorded)

    def _home(
        self, dep: Deployment, run: RoostRun, data: BenchData, workers: int, job_workers: int
    ) -> dict[str, Any]:
        """The home workload; on Redis also what a cached home timeline costs."""
        settings = dep.settings()
        accounts = [data.account_id(u) for u in home_readers(self.options, data)]
        before = cached = None
        if settings.redis_url:
            before = run_async(used_memory(settings))
            cached = run_async(existing_timelines(settings, accounts))
        result = home_workload(self.bench, run.url, data, workers)
        if settings.redis_url and cached is not None:
            after = run_async(used_memory(settings))
            memory = run_async(timeline_memory(settings, accounts, seed=self.options.seed))
            growth = per_timeline_delta(before, after, len(accounts) - cached)
            result["redis_timelines"] = {"memory_usage": memory, "used_memory": growth}
            self.bench.say(
                f"redis: {memory['sampled']} home timelines, MEMORY USAGE mean "
                f"{memory.get('bytes_mean', 0):,.0f} B max {memory.get('bytes_max', 0):,} B, "
                f"{memory.get('ids_mean', 0):,.0f} ids on average"
            )
        return self._record(dep, workers, data, result, job_workers)

    def _fanout(
        self,
        dep: Deployment,
        run: RoostRun,
        data: BenchData,
        following: dict[int, list[int]],
        workers: int,
    ) -> dict[str, Any]:
        settings = dep.settings()

        def wait_idle(timeout: float) -> tuple[float | None, int]:
            return run_async(wait_for_jobs(settings, give_up_after=timeout))

        cpu_before = run.job_cpu_seconds()
        paused = run.jobs.paused if run.jobs is not None else None
        result = fanout_workload(self.bench, run.url, data, following, wait_idle, paused)
        cpu_after = run.job_cpu_seconds()
        if cpu_before is not None and cpu_after is not None:
            result["job_worker_cpu_seconds"] = cpu_after - cpu_before
        return self._record(dep, workers, data, result, run.job_workers)

    def _note_exits(self, run: RoostRun, recorded: list[dict[str, Any]]) -> None:
        """How the job workers stopped (0: finished their jobs on SIGTERM)."""
        if run.jobs is None:
            return
        for record in recorded:
            record["job_worker_exit_codes"] = run.exit_codes

    def _mix(self, dep: Deployment, data: BenchData, graph: FollowGraph) -> None:
        job_workers = self._job_workers(dep)[0]
        for workers in self._app_workers(dep):
            with (
                self.bench.roost(dep, workers, job_workers) as run,
                self._guard(f"{dep.name} mix, {workers} worker(s)"),
            ):
                self._record(
                    dep,
                    workers,
                    data,
                    mix_workload(self.bench, run.url, data, workers),
                    job_workers,
                )

    def _celebrities(self, name: str) -> None:
        o = self.options
        with self._guard(f"{name} celebrities"):
            plan = plan_celebrities(self.options)
            with open_deployment(name, database_url=o.database_url, redis_url=o.redis_url) as dep:
                if o.hot_user_threshold is not None:
                    env = {**dep.env, "ROOST_HOT_USER_THRESHOLD": str(o.hot_user_threshold)}
                    dep = dataclasses.replace(dep, env=env)
                # What the servers will use: their environment is ours plus the deployment's.
                threshold = Settings.from_env({**os.environ, **dep.env}).hot_user_threshold
                settings = dep.settings()
                stored = None
                if settings.redis_url:

                    def stored(accounts: list[int]) -> dict[int, set[int]]:
                        return run_async(stored_home_ids(settings, accounts))

                posts = (0, 5) if o.quick else (0, 20)
                data = self._load(dep, plan.graph, posts, token_users=plan.token_users())
                self._mark = time.monotonic()
                job_workers = self._job_workers(dep)[0]
                for workers in self._app_workers(dep):
                    with (
                        self.bench.roost(dep, workers, job_workers) as run,
                        self._guard(f"{name} celebrities, {workers} worker(s)"),
                    ):
                        result = celebrity_workload(
                            self.bench,
                            run.url,
                            data,
                            plan,
                            hot_threshold=threshold,
                            stored=stored,
                        )
                        self._record(dep, workers, data, result, job_workers)

    def _scale(self, name: str, size: int) -> None:
        o = self.options
        with self._guard(f"{name} scale {size:,}"):
            graph = scale_graph(size, o.seed)
            readers = scale_readers(graph, o.seed, o.home_readers)
            with open_deployment(name, database_url=o.database_url, redis_url=o.redis_url) as dep:
                data = self._load(dep, graph, (0, 20), token_users=readers, text_style="demo")
                self._mark = time.monotonic()
                workers = self._app_workers(dep)[0]
                job_workers = self._job_workers(dep)[0]
                with self.bench.roost(dep, workers, job_workers) as run:
                    result = scale_workload(
                        self.bench,
                        run.url,
                        data,
                        readers,
                        run_async(storage_size(dep)),
                        server_log=run.server.log_path,
                    )
                    result["storage_after"] = run_async(storage_size(dep))
                    self._record(dep, workers, data, result, job_workers)
