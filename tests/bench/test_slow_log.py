"""The scale workload picks the server's slow-request lines out of its log,
phase by phase."""

from __future__ import annotations

from pathlib import Path

from roost_bench.scale import SlowLog


def test_slow_lines_are_read_per_phase(tmp_path: Path) -> None:
    log = tmp_path / "server.log"
    log.write_text("starting\nWARNING roost.slow slow request: GET /old 200 900.0ms\n")
    slow = SlowLog(log)  # what was there before is no phase's
    with log.open("a") as out:
        out.write("INFO other line\n")
        out.write("2026 WARNING roost.slow: slow request: GET /api/v1/timelines/home 200 150.0ms\n")
    assert slow.since_last() == ["slow request: GET /api/v1/timelines/home 200 150.0ms"]
    assert slow.since_last() == []
    with log.open("a") as out:
        out.write("slow request: GET /api/v2/search 200 80.0ms\n")
    assert slow.since_last() == ["slow request: GET /api/v2/search 200 80.0ms"]
    assert SlowLog(None).since_last() == []
    assert SlowLog(tmp_path / "missing.log").since_last() == []
