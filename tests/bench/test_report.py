"""The suite's report: tables, the plot, and the figures `roost capacity` reads."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import msgspec
from rich.console import Console

from roost.capacity.results import capacity_figures
from roost_bench.plot import plot_results
from roost_bench.report import markdown_report, print_report
from roost_bench.workloads import best_rate_within


def _rps(median: float) -> dict[str, Any]:
    return {"median": median, "min": median * 0.9, "max": median * 1.1, "runs": 3}


def _latency(p50: float, p99: float) -> dict[str, float]:
    return {"p50": p50, "p90": p50 * 2, "p95": p99 * 0.8, "p99": p99}


def _document() -> dict[str, Any]:
    home = {
        "workload": "home", "deployment": "embedded", "workers": 2,
        "throughput": {"rps": _rps(3_000), "errors": 0}, "ceiling_share": 0.4,
        "bytes_per_response": 30_000,
        "open_loop": [{"achieved_rate": r, "target_rate": t, "errors": 0,
                       "latency_ms": _latency(2, 20)}
                      for r, t in ((750, 750), (1_500, 1_500), (400, 2_000))],
    }  # fmt: skip
    delay_ok = {
        "rate": 100, "mean_followers": 40, "undelivered": 0,
        "post": {"latency_ms": _latency(5, 30)}, "delay_ms": _latency(100, 400),
        "delay_samples_ms": [50.0, 100.0, 400.0],
    }  # fmt: skip
    delay_late = delay_ok | {"rate": 300, "delay_ms": _latency(900, 2_500)}
    fanout: dict[str, Any] = {
        "workload": "fanout", "deployment": "embedded", "workers": 2, "mean_followers": 40,
        "delay": [delay_ok, delay_late],
        "burst": {"throughput": {"rps": _rps(800), "errors": 0}, "drain_seconds": 2.5,
                  "sustained_posts_per_s": 640.0},
    }  # fmt: skip
    # the same with two job workers: the fan-out runs in them
    fanout_jobs = fanout | {
        "job_workers": 2, "jobs": "2 workers", "delay": [delay_ok | {"rate": 200}],
        "burst": fanout["burst"] | {"sustained_posts_per_s": None, "drain_timeout": 20.0},
        "workers_drain": {"posts": 900, "drain_seconds": 2.0, "posts_per_s": 450.0},
    }  # fmt: skip
    home_redis = home | {
        "deployment": "postgres",
        "redis_timelines": {
            "memory_usage": {"sampled": 50, "bytes_mean": 7_100.4, "bytes_max": 7_256,
                             "ids_mean": 790.2, "ids_min": 700, "ids_max": 800,
                             "bytes_per_id": 9.0},
            "used_memory": {"used_memory_delta_bytes": 900_000, "per_timeline_bytes": 9_000.0,
                            "created": 100},
        },
    }  # fmt: skip
    posts = {"undelivered": 0, "post": {"latency_ms": _latency(12, 48)},
             "delay_ms": _latency(60, 140)}  # fmt: skip
    celebrities = {
        "workload": "celebrities", "deployment": "postgres", "workers": 1,
        "hot_users": [{"user": 0, "followers": 1_000_000, "path": "read merge"}],
        "top_posts": posts, "hot_posts": posts | {"undelivered": 1},
        "delivery_paths": {"read_merge": {"seen": 16, "in_stored_timeline": 0},
                           "fan_out": {"seen": 13, "in_stored_timeline": 13}},
        "normal_posts": {"latency_ms": _latency(10, 30)},
        "home_heavy_readers": {"latency_ms": _latency(9, 70)},
        "home_random_readers": {"latency_ms": _latency(5, 20)},
    }  # fmt: skip
    return {
        "machine": {"cpu": "Test CPU", "cores": 2, "memory_gb": 4},
        "ceilings": {"2": {"rps": _rps(7_500)}},
        "results": [home, home_redis, fanout, fanout_jobs, celebrities],
        "failures": [{"workload": "embedded scale", "error": "boom"}],
    }


def test_best_rate_within_target() -> None:
    points = [
        {"achieved_rate": 500, "errors": 0, "latency_ms": {"p99": 5}},
        {"achieved_rate": 1_000, "errors": 0, "latency_ms": {"p99": 20}},
        {"achieved_rate": 1_500, "errors": 0, "latency_ms": {"p99": 80}},
        {"achieved_rate": 1_200, "errors": 3, "latency_ms": {"p99": 10}},
    ]
    assert best_rate_within(points, 25) == 1_000
    assert best_rate_within(points, 1) is None


def test_capacity_reads_what_the_bench_writes(tmp_path: Path) -> None:
    """The bench's runs, with the section it writes, through `roost capacity`."""
    from click.testing import CliRunner

    from roost.cli import main

    document = _document()
    document["capacity"] = msgspec.to_builtins(capacity_figures(document["results"]))
    path = tmp_path / "bench.json"
    path.write_text(json.dumps(document))
    result = CliRunner().invoke(main, ["capacity", "--json", "--bench-result", str(path)])
    assert result.exit_code == 0, result.output
    throughput = json.loads(result.output)["inputs"]["throughput"]
    # the PostgreSQL + Redis home run: 3,000 reads/s over 2 processes
    assert throughput["timeline_reads_per_core"] == 1_500
    # the job workers' drain: 450 posts/s × 40 followers ÷ 2 workers
    assert throughput["fanout_inserts_per_core"] == 9_000


def test_print_report_shows_each_table_and_failure() -> None:
    out = io.StringIO()
    print_report(Console(file=out, width=200), _document())
    text = out.getvalue()
    for expected in ("Home timeline read", "40%", "Post and fan-out", "640", "boom"):
        assert expected in text
    # the fan-out row of the job workers, whose burst did not drain in time
    assert "2 workers" in text and "not in 20 s" in text and "450" in text
    assert "Redis memory per cached home timeline" in text
    assert "7,100" in text and "7,256" in text and "790 (700-800)" in text
    assert "9,000 (100 new)" in text
    # the celebrity with a million followers, its path checked in Redis
    for expected in ("1,000,000", "read merge", "0/16 / 13/13", "12.0/48.0", "60.0/140.0"):
        assert expected in text


def test_markdown_report_has_a_table_per_workload() -> None:
    text = markdown_report(_document())
    titles = [line for line in text.splitlines() if line.startswith("#### ")]
    assert titles == [
        "#### Home timeline read (20 statuses)",
        "#### Post and fan-out",
        "#### Redis memory per cached home timeline",
        "#### Celebrities",
    ]
    home_rows = text.split("#### Home timeline read")[1].split("####")[0].splitlines()
    header = next(line for line in home_rows if line.startswith("| deployment"))
    cells = [c.strip() for c in header.strip("|").split("|")]
    assert cells[:4] == ["deployment", "workers", "jobs", "req/s"]
    # one row per fixed rate, every row with as many cells as the header
    rows = [line for line in home_rows if line.startswith("| ") and line != header]
    assert len(rows) == 6
    # an overloaded step shows what was sent and what was done
    assert "| 2,000/s (done 400/s) |" in rows[2] and "| 750/s |" in rows[0]
    assert all(line.count("|") == header.count("|") for line in rows)
    assert "| embedded | 2 |" in rows[0] and "40%" in rows[0]
    assert "Failed: embedded scale: boom" in text


def test_report_command_reprints_a_result_file(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from roost.cli import main

    path = tmp_path / "bench.json"
    path.write_text(json.dumps(_document()))
    result = CliRunner().invoke(main, ["bench", "report", str(path), "--markdown"])
    assert result.exit_code == 0, result.output
    assert "#### Celebrities" in result.output and "1,000,000" in result.output
    png = tmp_path / "again.png"
    result = CliRunner().invoke(main, ["bench", "report", str(path), "--plot", str(png)])
    assert result.exit_code == 0, result.output
    assert png.read_bytes()[:4] == b"\x89PNG"
    path.write_text("[]")
    result = CliRunner().invoke(main, ["bench", "report", str(path)])
    assert result.exit_code == 2
    assert "not a `roost bench` result file" in result.output


def test_plot_writes_a_png(tmp_path: Path) -> None:
    path = plot_results(_document(), tmp_path / "bench.png")
    assert path is not None
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert plot_results({"results": []}, tmp_path / "empty.png") is None
