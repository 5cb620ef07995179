"""Small statistics for benchmark figures: percentiles, medians and spread.

Machines here are shared and noisy, so every figure is the median of
several repetitions, reported with the range it came from.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Sequence


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0-100) by linear interpolation between ranks.

    The same definition as numpy's default, so figures can be checked by
    hand: for ``n`` sorted values the percentile sits at rank
    ``(n - 1) * q / 100``.
    """
    if not values:
        raise ValueError("percentile of no values")
    if not 0 <= q <= 100:
        raise ValueError(f"percentile {q} outside 0..100")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low = math.floor(rank)
    high = math.ceil(rank)
    if low == high:
        return float(ordered[low])
    weight = rank - low
    return ordered[low] * (1 - weight) + ordered[high] * weight


def median(values: Sequence[float]) -> float:
    return percentile(values, 50)


@dataclasses.dataclass(frozen=True, slots=True)
class Spread:
    """The median of repeated measurements and the range around it."""

    median: float
    low: float
    high: float
    runs: int

    @property
    def relative(self) -> float:
        """(high - low) / median: 0.1 means the runs span 10% of the median."""
        if self.median == 0:
            return 0.0
        return (self.high - self.low) / self.median

    def as_dict(self) -> dict[str, float | int]:
        return {
            "median": self.median,
            "min": self.low,
            "max": self.high,
            "runs": self.runs,
            "spread": self.relative,
        }

    def describe(self, unit: str = "", digits: int = 0) -> str:
        """``"12,345 ±4%"``: the median and half the relative range."""
        text = f"{self.median:,.{digits}f}{unit}"
        if self.runs > 1:
            text += f" ±{self.relative * 50:.0f}%"
        return text


def spread(values: Iterable[float]) -> Spread:
    items = list(values)
    if not items:
        raise ValueError("spread of no values")
    return Spread(median(items), min(items), max(items), len(items))


LATENCY_PERCENTILES = (50.0, 90.0, 95.0, 99.0, 99.9)


def latency_summary(
    latencies_s: Sequence[float], points: Sequence[float] = LATENCY_PERCENTILES
) -> dict[str, float]:
    """Percentiles of latencies given in seconds, returned in milliseconds."""
    if not latencies_s:
        return {}
    ordered = sorted(latencies_s)
    summary = {_label(q): percentile(ordered, q) * 1000 for q in points}
    summary["max"] = ordered[-1] * 1000
    summary["mean"] = sum(ordered) / len(ordered) * 1000
    return summary


def _label(q: float) -> str:
    return f"p{q:g}".replace(".", "_")
