"""Percentiles, medians and spread, checked against hand-worked values."""

from __future__ import annotations

import pytest

from roost_bench.stats import latency_summary, median, percentile, spread


def test_percentile_interpolates_between_ranks() -> None:
    values = [40.0, 10.0, 30.0, 20.0]  # sorted: 10 20 30 40
    # rank = (4 - 1) × q / 100
    assert percentile(values, 0) == 10  # rank 0
    assert percentile(values, 100) == 40  # rank 3
    assert percentile(values, 50) == 25  # rank 1.5: halfway between 20 and 30
    assert percentile(values, 90) == pytest.approx(37)  # rank 2.7: 30 + 0.7 × 10


def test_percentile_of_one_value_and_bad_input() -> None:
    assert percentile([7.0], 99) == 7
    with pytest.raises(ValueError):
        percentile([], 50)
    with pytest.raises(ValueError):
        percentile([1.0], 101)


def test_median_odd_and_even() -> None:
    assert median([3.0, 1.0, 2.0]) == 2
    assert median([4.0, 1.0, 3.0, 2.0]) == 2.5


def test_spread_of_repetitions() -> None:
    s = spread([10_000.0, 11_000.0, 9_000.0])
    assert (s.median, s.low, s.high, s.runs) == (10_000, 9_000, 11_000, 3)
    # range 2,000 over a median of 10,000
    assert s.relative == pytest.approx(0.2)
    assert s.describe() == "10,000 ±10%"
    assert spread([5.0]).describe() == "5"
    assert s.as_dict()["spread"] == pytest.approx(0.2)


def test_latency_summary_in_milliseconds() -> None:
    # 1 ms .. 100 ms, one each
    latencies = [i / 1000 for i in range(1, 101)]
    summary = latency_summary(latencies)
    # p50 at rank 49.5 of 0..99: between 50 ms and 51 ms
    assert summary["p50"] == pytest.approx(50.5)
    # p99 at rank 98.01: 99 ms + 0.01 × 1 ms
    assert summary["p99"] == pytest.approx(99.01)
    assert summary["p99_9"] == pytest.approx(99.901)
    assert summary["max"] == pytest.approx(100)
    assert summary["mean"] == pytest.approx(50.5)
    assert latency_summary([]) == {}
