"""The bench result schema: per-core figures from runs, and the files in docs/results."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import msgspec
import pytest

from roost.capacity.inputs import throughput_from_bench
from roost.capacity.results import CapacityFigures, capacity_figures, decode_result

RESULTS = Path(__file__).resolve().parents[2] / "docs" / "results"


def _rps(median: float, errors: int = 0) -> dict[str, Any]:
    return {"rps": {"median": median, "min": median, "max": median, "runs": 3}, "errors": errors}


def _home(deployment: str, rps: float, workers: int) -> dict[str, Any]:
    return {"workload": "home", "deployment": deployment, "workers": workers,
            "throughput": _rps(rps), "open_loop": []}  # fmt: skip


def _delay(rate: float, p99: float) -> dict[str, Any]:
    return {"rate": rate, "mean_followers": 40, "undelivered": 0,
            "delay_ms": {"p50": p99 / 4, "p99": p99}, "post": {"latency_ms": {}}}  # fmt: skip


def _runs() -> list[dict[str, Any]]:
    fanout: dict[str, Any] = {
        "workload": "fanout", "deployment": "embedded", "workers": 2, "mean_followers": 40,
        "delay": [_delay(100, 400), _delay(300, 2_500)],
        "burst": {"throughput": _rps(800), "sustained_posts_per_s": 640.0},
    }  # fmt: skip
    # the same with two job workers: the fan-out runs in them
    fanout_jobs = fanout | {
        "job_workers": 2, "delay": [_delay(200, 400)],
        "workers_drain": {"posts": 900, "drain_seconds": 2.0, "posts_per_s": 450.0},
    }  # fmt: skip
    mix = {"workload": "mix", "deployment": "embedded", "workers": 2, "shares": {}}
    return [_home("embedded", 3_000, 2), fanout, fanout_jobs, mix]


def test_figures_per_process() -> None:
    figures = capacity_figures(_runs())
    # 3,000 reads/s over 2 processes
    assert figures.timeline_reads_per_core == 1_500
    # burst 800 posts/s over 2 processes
    assert figures.posts_per_core == 400
    # the drain of the two job workers: 450 posts/s × 40 followers ÷ 2 workers
    assert figures.fanout_inserts_per_core == 9_000
    without_drain = [r for r in _runs() if "workers_drain" not in r]
    # only the 100/s run kept p99 under 1 s: 100 × 40 followers ÷ 2 app processes
    assert capacity_figures(without_drain).fanout_inserts_per_core == 2_000


def test_figures_prefer_the_scale_out_deployment() -> None:
    # the PostgreSQL + Redis home run serves fewer reads than the embedded one
    figures = capacity_figures([*_runs(), _home("postgres", 1_000, 2)])
    assert figures.timeline_reads_per_core == 500
    # posting was measured embedded only: that figure stays
    assert figures.posts_per_core == 400
    assert figures.deployments == {"reads": ["postgres"], "posts and fan-out": ["embedded"]}


def test_unmeasured_figures_are_left_out_of_the_file() -> None:
    written = msgspec.to_builtins(capacity_figures([]))
    assert set(written) == {"note", "deployments"}
    assert capacity_figures([]).per_core() == {}


def test_written_section_reads_back() -> None:
    figures = capacity_figures(_runs())
    data = msgspec.json.encode({"kind": "bench", "capacity": figures})
    assert decode_result(data).capacity == figures


@pytest.mark.parametrize(
    "text",
    [
        "[]",
        "not json",
        '{"capacity": {"posts_per_core": "fast"}}',
        '{"results": [{"workload": "home", "deployment": "embedded", "workers": 1}]}',
    ],
)
def test_not_a_result_is_a_value_error(text: str) -> None:
    with pytest.raises(ValueError):
        throughput_from_bench(text)


def test_result_files_in_docs_read() -> None:
    files = sorted(RESULTS.glob("*.json"))
    assert files
    for path in files:
        result = decode_result(path.read_bytes())
        assert result.kind == "bench" and result.results
        assert isinstance(result.capacity, CapacityFigures)
    full = throughput_from_bench((RESULTS / "2026-11-22-full.json").read_bytes())
    # read again from the runs: the PostgreSQL + Redis ones (1 app process, 1 job worker)
    assert full["timeline_reads_per_core"] == pytest.approx(1_233.14, abs=0.01)
    assert full["posts_per_core"] == pytest.approx(114.82, abs=0.01)
    assert full["fanout_inserts_per_core"] == pytest.approx(5_755.11, abs=0.01)
    home = throughput_from_bench((RESULTS / "2026-11-22-postgres-home-mix.json").read_bytes())
    assert home == {"timeline_reads_per_core": pytest.approx(937.68, abs=0.01)}
    # the scale run measures no per-core throughput
    with pytest.raises(ValueError, match="no per-core throughput"):
        throughput_from_bench((RESULTS / "2026-11-22-postgres-scale-10m.json").read_bytes())
