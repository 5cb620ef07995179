"""`roost bench frameworks`: the ceiling app in each framework under each server.

It answers "how much does the framework and the server cost on the hot
read path" with the same body, load generator and worker count. Runs are
interleaved (every configuration once per repetition, each on a fresh
server) so that a slow minute on a shared machine hits all of them alike.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Sequence
from typing import Any

from rich.table import Table

from roost_bench import ceiling
from roost_bench.results import machine_info
from roost_bench.servers import ServerSpec, serve
from roost_bench.stats import Spread, spread
from roost_bench.wrk import WrkResult, WrkRun, run_wrk


@dataclasses.dataclass(frozen=True, slots=True)
class FrameworkCase:
    server: str
    framework: str
    encode: bool

    @property
    def label(self) -> str:
        variant = "serialize" if self.encode else "fixed bytes"
        return f"{self.framework} ({variant})"

    def spec(self, workers: int) -> ServerSpec:
        target = f"roost_bench.ceiling:{ceiling.app_name(self.framework, encode=self.encode)}"
        return ServerSpec(self.server, target, workers=workers, probe_path=ceiling.PATH)


@dataclasses.dataclass(frozen=True, slots=True)
class Measurement:
    result: WrkResult
    server_cores: float


def cases(
    servers: Sequence[str], frameworks: Sequence[str], variants: Sequence[bool]
) -> list[FrameworkCase]:
    return [
        FrameworkCase(server, framework, encode)
        for server in servers
        for encode in variants
        for framework in frameworks
    ]


def measure_case(case: FrameworkCase, *, run: WrkRun, warmup: float, workers: int) -> Measurement:
    """Fresh server, warm-up, one measured wrk run, server CPU use during it."""
    with serve(case.spec(workers)) as server:
        data = {"path": ceiling.PATH}
        if warmup > 0:
            run_wrk(server.url, run=dataclasses.replace(run, duration=warmup), data=data)
        cpu_before = server.cpu_seconds()
        started = time.monotonic()
        result = run_wrk(server.url, run=run, data=data)
        elapsed = time.monotonic() - started
        cores = (server.cpu_seconds() - cpu_before) / elapsed if elapsed else 0.0
    return Measurement(result, cores)


def run_matrix(
    all_cases: Sequence[FrameworkCase],
    *,
    repetitions: int,
    run: WrkRun,
    warmup: float,
    workers: int,
    on_step: Callable[[FrameworkCase, int], None] | None = None,
) -> dict[FrameworkCase, list[Measurement]]:
    measured: dict[FrameworkCase, list[Measurement]] = {c: [] for c in all_cases}
    for repetition in range(repetitions):
        for case in all_cases:
            if on_step:
                on_step(case, repetition)
            measured[case].append(measure_case(case, run=run, warmup=warmup, workers=workers))
    return measured


def summarize(measured: dict[FrameworkCase, list[Measurement]]) -> list[dict[str, Any]]:
    rows = []
    for case, runs in measured.items():
        rps = spread(m.result.rps for m in runs)
        rows.append(
            {
                "server": case.server,
                "framework": case.framework,
                "variant": "serialize" if case.encode else "fixed",
                "rps": rps.as_dict(),
                "p50_ms": spread(m.result.latency_ms.get("p50", 0.0) for m in runs).median,
                "p99_ms": spread(m.result.latency_ms.get("p99", 0.0) for m in runs).median,
                "server_cores": spread(m.server_cores for m in runs).median,
                # Requests per second of server CPU: steadier than requests/s
                # when other processes compete for the cores.
                "per_cpu_second": spread(
                    m.result.rps / m.server_cores for m in runs if m.server_cores > 0
                ).as_dict()
                if any(m.server_cores > 0 for m in runs)
                else None,
                "errors": sum(m.result.errors for m in runs),
                "runs": [m.result.as_dict() | {"server_cores": m.server_cores} for m in runs],
            }
        )
    return rows


def _describe(raw: object) -> str:
    if not isinstance(raw, dict):
        return "-"
    return Spread(raw["median"], raw["min"], raw["max"], raw["runs"]).describe()


def frameworks_table(rows: list[dict[str, object]]) -> Table:
    """The table `roost bench frameworks` prints."""
    info = machine_info()
    table = Table(
        title=f"Ceiling: {len(ceiling.BODY):,}-byte page of 20 statuses "
        f"({info['cpu']}, {info['cores']} cores)",
        caption="requests/s: median ±half the min-max range; req/CPU-s: requests per second "
        "of server CPU; p99 closed-loop (wrk); cores: CPU used by the server process tree",
    )
    columns = (
        "framework",
        "server",
        "requests/s",
        "req/CPU-s",
        "p50 ms",
        "p99 ms",
        "cores",
        "errors",
    )
    for column in columns:
        table.add_column(column, justify="left" if column in ("framework", "server") else "right")
    for row in sorted(rows, key=lambda r: (str(r["variant"]), str(r["framework"]))):
        rps = row["rps"]
        assert isinstance(rps, dict)
        figure = Spread(rps["median"], rps["min"], rps["max"], rps["runs"])
        table.add_row(
            f"{row['framework']} ({row['variant']})",
            str(row["server"]),
            figure.describe(),
            _describe(row.get("per_cpu_second")),
            f"{row['p50_ms']:.2f}",
            f"{row['p99_ms']:.2f}",
            f"{row['server_cores']:.2f}",
            str(row["errors"]),
        )
    return table
