"""roost bench images, on a small photo (the figures themselves are in
docs/benchmarks.md)."""

from __future__ import annotations

from click.testing import CliRunner

from roost_bench.command import bench
from roost_bench.images import LIBRARIES, run


def test_every_library_is_measured_in_its_own_process() -> None:
    photo_bytes, measured = run(2, size=(400, 300))
    assert photo_bytes > 1_000
    assert [m.library for m in measured] == list(LIBRARIES)
    for m in measured:
        assert len(m.seconds) == len(m.cpu_seconds) == 2
        assert m.median_ms > 0 and m.median_cpu_ms >= 0
        assert m.peak_mib >= 0


def test_the_command_prints_a_line_per_library() -> None:
    result = CliRunner().invoke(bench, ["images", "--repetitions", "1", "--size", "320x240"])
    assert result.exit_code == 0, result.output
    for library in LIBRARIES:
        assert library in result.output
