"""`roost capacity` on the command line: options, a bench result, JSON output."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from roost.cli import main


def run(*args: str) -> Any:
    result = CliRunner().invoke(main, ["capacity", "--json", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def figure(document: dict[str, Any], key: str) -> float:
    [match] = [f for f in document["figures"] if f["key"] == key]
    value: float = match["value"]
    return value


def test_options_change_the_scale() -> None:
    document = run("--daily-active-users", "864000", "--posts-per-user-per-day", "2")
    # 864,000 × 2 ÷ 86,400 = 20 posts/s
    assert figure(document, "posts_avg") == 20
    assert document["inputs"]["throughput"]["source"] == "stated defaults"


def test_bench_result_supplies_per_core_throughput(tmp_path: Path) -> None:
    result_file = tmp_path / "bench.json"
    result_file.write_text(
        json.dumps({"kind": "bench", "capacity": {"timeline_reads_per_core": 4000}})
    )
    document = run("--bench-result", str(result_file), "--posts-per-core", "1000")
    throughput = document["inputs"]["throughput"]
    assert throughput["timeline_reads_per_core"] == 4000
    assert throughput["posts_per_core"] == 1000
    assert str(result_file) in throughput["source"]
    # ⌈(720,000 ÷ 4,000 + 12,000 ÷ 1,000) ÷ 0.6⌉ = 320 cores
    assert figure(document, "app_cores") == 320


def test_bench_result_runs_are_read_again(tmp_path: Path) -> None:
    """A result's runs win over the figures it stored: the PostgreSQL + Redis
    home run (1,800 reads/s over 2 processes) is the one a plan uses."""

    def home(deployment: str, rps: float, workers: int) -> dict[str, object]:
        return {
            "workload": "home",
            "deployment": deployment,
            "workers": workers,
            "throughput": {"rps": {"median": rps}, "errors": 0},
        }

    result_file = tmp_path / "bench.json"
    result_file.write_text(
        json.dumps(
            {
                "kind": "bench",
                "results": [home("embedded", 3_000, 1), home("postgres", 1_800, 2)],
                "capacity": {"timeline_reads_per_core": 3_000},
            }
        )
    )
    document = run("--bench-result", str(result_file))
    assert document["inputs"]["throughput"]["timeline_reads_per_core"] == 900


def test_bench_results_in_docs() -> None:
    docs = Path(__file__).resolve().parents[2] / "docs" / "results"
    document = run("--bench-result", str(docs / "2026-11-22-full.json"))
    assert round(document["inputs"]["throughput"]["timeline_reads_per_core"]) == 1_233
    scale_only = docs / "2026-11-22-postgres-scale-10m.json"
    result = CliRunner().invoke(main, ["capacity", "--bench-result", str(scale_only)])
    assert result.exit_code == 1
    assert "no per-core throughput" in result.output


def test_bench_result_without_figures_is_refused(tmp_path: Path) -> None:
    result_file = tmp_path / "frameworks.json"
    result_file.write_text(json.dumps({"kind": "frameworks", "results": []}))
    result = CliRunner().invoke(main, ["capacity", "--bench-result", str(result_file)])
    assert result.exit_code != 0
    assert "capacity" in result.output


def test_impossible_input_is_a_clean_error() -> None:
    result = CliRunner().invoke(main, ["capacity", "--utilization", "0"])
    assert result.exit_code == 1
    assert "utilization" in result.output


def test_table_output_names_every_group() -> None:
    result = CliRunner().invoke(main, ["capacity"])
    assert result.exit_code == 0, result.output
    for word in ("rates", "storage", "network", "timeline cache", "machines", "stated defaults"):
        assert word in result.output


def media_result(path: Path, results: dict[str, Any]) -> Path:
    path.write_text(json.dumps({"kind": "media", "results": results}))
    return path


def test_media_result_supplies_photo_sizes_and_processing_rate(tmp_path: Path) -> None:
    result_file = media_result(
        tmp_path / "media.json",
        {"photo": {"stored_bytes_mean": 1_200_000}, "photos_per_s_per_worker": 4.0},
    )
    document = run("--media-result", str(result_file))
    assert document["inputs"]["scale"]["media_bytes"] == 1_200_000
    assert document["inputs"]["throughput"]["photos_per_core"] == 4.0
    assert str(result_file) in document["inputs"]["throughput"]["source"]
    # 5,000 posts/s x 10% x 1.2 MB x 86,400 s = 51.84 TB of media a day
    assert figure(document, "media_per_day") == 432_000_000 * 0.1 * 1_200_000
    # ⌈12,000 posts/s x 10% ÷ 4 photos/s ÷ 0.6⌉ = 500 worker processes
    assert figure(document, "media_workers") == 500
    # An explicit option still wins.
    document = run("--media-result", str(result_file), "--media-bytes", "1000")
    assert document["inputs"]["scale"]["media_bytes"] == 1000


def test_a_file_that_is_not_a_media_result_is_refused(tmp_path: Path) -> None:
    for name, content in [
        ("bench.json", {"kind": "bench", "results": []}),
        ("empty.json", {"kind": "media", "results": {"photo": {}}}),
    ]:
        path = tmp_path / name
        path.write_text(json.dumps(content))
        result = CliRunner().invoke(main, ["capacity", "--media-result", str(path)])
        assert result.exit_code != 0
        assert str(path) in result.output
