"""`roost bench media` end to end on a tiny scale: a real server, real
uploads processed by its worker, the home reads by wrk, and the result file
that `roost capacity --media-result` reads."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from roost.cli import main
from roost_bench.command import bench

pytestmark = pytest.mark.e2e


def test_media_bench_measures_uploads_and_feeds_capacity(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        bench,
        [
            *("media", "--seconds", "2", "--photo-rate", "1", "--video-rate", "1"),
            *("--photo-size", "640x480", "--video-size", "320x240", "--video-seconds", "1"),
            *("--burst", "2", "--home-seconds", "1", "--out", str(tmp_path)),
        ],
    )
    assert result.exit_code == 0, result.output
    [path] = tmp_path.glob("media-*.json")
    document = json.loads(path.read_text())
    results = document["results"]
    for kind in ("photo", "video"):
        row = results[kind]
        assert row["uploads"] == 2
        assert 0 < row["latency_ms"]["p50"] <= row["latency_ms"]["p99"]
        assert row["stored_bytes_mean"] > 0
    assert results["photos_per_s_per_worker"] > 0
    # The photographer's 20 statuses carry the 4 photos; the writer's none.
    assert results["home_page"] == {"statuses": 20, "photos": 4}
    home = results["home"]
    assert len(home["text_rps"]) == len(home["media_rps"]) == 3
    assert home["media_share_of_text"] > 0
    assert home["response_bytes"]["media"] > home["response_bytes"]["text"]

    capacity = CliRunner().invoke(main, ["capacity", "--json", "--media-result", str(path)])
    assert capacity.exit_code == 0, capacity.output
    inputs = json.loads(capacity.output)["inputs"]
    assert inputs["scale"]["media_bytes"] == results["photo"]["stored_bytes_mean"]
    assert inputs["throughput"]["photos_per_core"] == results["photos_per_s_per_worker"]
