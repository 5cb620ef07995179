"""`roost bench video` on a tiny clip: the pipeline runs and the figures
are computed from real timings."""

from __future__ import annotations

import re

from click.testing import CliRunner

from roost_bench.command import bench


def test_video_bench_measures_a_transcode() -> None:
    result = CliRunner().invoke(
        bench,
        [
            "video",
            "--seconds",
            "1",
            "--size",
            "160x120",
            "--fps",
            "25",
            "--bitrate",
            "2M",
            "--repetitions",
            "1",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "1.0 s of 160x120 at 25 fps" in result.output
    assert "-> 160x120 h264/aac" in result.output
    factor = re.search(r"real-time factor (\d+\.\d+)x", result.output)
    per_cpu = re.search(r"(\d+\.\d+) video s per CPU s", result.output)
    assert factor is not None and float(factor.group(1)) > 0
    assert per_cpu is not None and float(per_cpu.group(1)) > 0
