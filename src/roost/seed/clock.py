"""Snowflake ids for rows created in the past, made in bulk with numpy.

Seeded rows get ids from the times they pretend to have been created at, so
"newest first" still means "largest id first". A run lays out three windows
before ``now``: accounts were created first, then the follows, then the posts
over the last days. Inside a window the n-th of ``total`` rows gets the time
``start + n * span / total`` and its index in the low 22 bits (where the
worker and sequence usually go): ids are unique and grow with ``n`` as long
as fewer than 2**22 rows share one millisecond.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta

import numpy as np
import numpy.typing as npt

from roost.ids import EPOCH_MS, TIME_SHIFT

IntArray = npt.NDArray[np.int64]
_LOW_MASK = (1 << TIME_SHIFT) - 1


@dataclasses.dataclass(frozen=True, slots=True)
class Window:
    """A span of past time that ``total`` rows are spread over, in order."""

    start_ms: int
    end_ms: int
    total: int

    def __post_init__(self) -> None:
        span = self.end_ms - self.start_ms
        if span <= 0:
            raise ValueError("empty time window")
        if self.total > span * (1 << TIME_SHIFT):
            raise ValueError("too many rows for the time window")

    def millis(self, positions: IntArray) -> IntArray:
        """Creation time (ms since 1970) of the rows at these positions."""
        span = self.end_ms - self.start_ms
        offset = (positions * span) // max(self.total, 1)
        return np.minimum(self.start_ms + offset, self.end_ms)

    def ids(self, positions: IntArray) -> IntArray:
        return ((self.millis(positions) - EPOCH_MS) << TIME_SHIFT) | (positions & _LOW_MASK)

    def times(self, positions: IntArray) -> npt.NDArray[np.datetime64]:
        return self.millis(positions).astype("datetime64[ms]")


@dataclasses.dataclass(frozen=True, slots=True)
class SeedClock:
    """The three windows of a seeding run, all before ``now``."""

    accounts: Window
    follows: Window
    statuses: Window

    @classmethod
    def before(
        cls,
        now: datetime,
        *,
        users: int,
        follows: int,
        statuses: int,
        post_days: float = 7.0,
        setup_days: float = 30.0,
    ) -> SeedClock:
        # Stop a second short of now: ids handed out live after the load must
        # sort after every seeded one.
        end = int(now.timestamp() * 1000) - 1000
        posts_start = end - int(timedelta(days=post_days).total_seconds() * 1000)
        setup = int(timedelta(days=setup_days).total_seconds() * 1000)
        follows_start = posts_start - setup
        accounts_start = follows_start - setup
        return cls(
            accounts=Window(accounts_start, follows_start - 1, users),
            follows=Window(follows_start, posts_start - 1, follows),
            statuses=Window(posts_start, end, statuses),
        )
