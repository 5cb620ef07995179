"""`roost bench`: set up the data, start the servers, run the workloads.

For each deployment (embedded, PostgreSQL + Redis) the socfb-Reed98 graph
is loaded twice (20-25 statuses per user for the home-timeline and fan-out
runs, 0-20 for the social mix, as benchmark.md asks), the generated
celebrity graph once and every scale size once; each load goes into a fresh
store. Every server-side workload runs for each worker count.
"""

from __future__ import annotations

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

from roost.bench.celebrities import celebrity_workload, plan_celebrities
from roost.bench.dataset import BenchData, following_of, load_dataset, sample_users
from roost.bench.deploy import Deployment, open_deployment, storage_size
from roost.bench.runner import Bench, run_async
from roost.bench.scale import scale_graph, scale_readers, scale_workload
from roost.bench.workloads import fanout_workload, home_workload, mix_workload
from roost.seed.graphs import FollowGraph, read_reed98
from roost.seed.text import TextStyle

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
        self, deployment: Deployment, workers: int, data: BenchData, result: dict[str, Any]
    ) -> None:
        now = time.monotonic()
        self.bench.say(f"{result['workload']} done in {now - self._mark:.0f} s")
        self._mark = now
        self.results.append(
            {"deployment": deployment.name, "workers": workers, "data": data.summary()} | result
        )

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
        """Home and fan-out (and in quick mode the mix, on the same data)."""
        o = self.options
        observers = sample_users(data.users, o.observers, seed=o.seed + 3)
        following = following_of(graph, observers)
        for workers in o.workers:
            with self.bench.roost(dep, workers) as server:
                if "home" in o.workloads:
                    with self._guard(f"{dep.name} home, {workers} worker(s)"):
                        result = home_workload(self.bench, server.url, data, workers)
                        self._record(dep, workers, data, result)
                if o.quick and "mix" in o.workloads:
                    with self._guard(f"{dep.name} mix, {workers} worker(s)"):
                        result = mix_workload(self.bench, server.url, data, workers)
                        self._record(dep, workers, data, result)
                # Last: its burst leaves many statuses behind.
                if "fanout" in o.workloads:
                    with self._guard(f"{dep.name} fanout, {workers} worker(s)"):
                        result = fanout_workload(self.bench, server.url, data, following)
                        self._record(dep, workers, data, result)

    def _mix(self, dep: Deployment, data: BenchData, graph: FollowGraph) -> None:
        for workers in self.options.workers:
            with (
                self.bench.roost(dep, workers) as server,
                self._guard(f"{dep.name} mix, {workers} worker(s)"),
            ):
                self._record(
                    dep, workers, data, mix_workload(self.bench, server.url, data, workers)
                )

    def _celebrities(self, name: str) -> None:
        o = self.options
        with self._guard(f"{name} celebrities"):
            plan = plan_celebrities(self.options)
            with open_deployment(name, database_url=o.database_url, redis_url=o.redis_url) as dep:
                posts = (0, 5) if o.quick else (0, 20)
                data = self._load(dep, plan.graph, posts, token_users=plan.token_users())
                self._mark = time.monotonic()
                for workers in o.workers:
                    with (
                        self.bench.roost(dep, workers) as server,
                        self._guard(f"{name} celebrities, {workers} worker(s)"),
                    ):
                        result = celebrity_workload(self.bench, server.url, data, plan)
                        self._record(dep, workers, data, result)

    def _scale(self, name: str, size: int) -> None:
        o = self.options
        with self._guard(f"{name} scale {size:,}"):
            graph = scale_graph(size, o.seed)
            readers = scale_readers(graph, o.seed, o.home_readers)
            with open_deployment(name, database_url=o.database_url, redis_url=o.redis_url) as dep:
                data = self._load(dep, graph, (0, 20), token_users=readers, text_style="demo")
                self._mark = time.monotonic()
                workers = o.workers[0]
                with self.bench.roost(dep, workers) as server:
                    result = scale_workload(
                        self.bench, server.url, data, readers, run_async(storage_size(dep))
                    )
                    result["storage_after"] = run_async(storage_size(dep))
                    self._record(dep, workers, data, result)
