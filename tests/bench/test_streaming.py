"""roost bench streaming, at a tiny size: it serves Roost, holds streams,
times posts to them and reports every figure."""

from __future__ import annotations

import math

import pytest

from roost_bench.streaming import run_streaming

pytestmark = pytest.mark.e2e


def test_streaming_bench_reports_memory_and_delays() -> None:
    result = run_streaming(connections=50, subscribers=10, posts=3)
    assert result.connections == 50 and result.rss_after_mib >= result.rss_before_mib > 0
    assert result.public_delivered == result.user_delivered == result.expected == 30
    assert 0 < result.public_p50_ms <= result.public_p99_ms <= result.public_max_ms
    assert 0 < result.user_p50_ms <= result.user_p99_ms <= result.user_max_ms
    assert not math.isnan(result.kib_per_connection)
