"""`roost bench video` on a tiny clip: the pipeline runs and the figures
are computed from real timings."""

from __future__ import annotations

import pytest

from roost_bench.video import measure


def test_video_bench_measures_a_transcode() -> None:
    run = measure(seconds=1.0, size="160x120", fps=25, bitrate="2M", repetitions=1)
    assert run.output.size == "160x120"
    assert (run.output.video_codec, run.output.audio_codec) == ("h264", "aac")
    assert run.seconds == pytest.approx(1.0, abs=0.1)
    assert len(run.transcode_s) == len(run.transcode_cpu_s) == len(run.poster_s) == 1
    assert run.realtime_factor > 0 and run.cpu_realtime_factor > 0
