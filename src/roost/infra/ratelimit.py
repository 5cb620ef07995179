"""Rate limits as a generic cell rate algorithm (GCRA) over the shared cache.

A budget of ``limit`` calls per ``period`` refills continuously: one call
every ``period / limit`` seconds (the interval), up to ``limit`` saved up.
So a client may burst ``limit`` calls at once and then goes on at the
refill rate; there are no window edges where twice the limit gets through,
as with fixed windows. The state is one integer per key (the theoretical
arrival time, TAT: when the budget will be whole again), updated in one
atomic cache call (``Cache.throttle``), so the limit holds across every app
server sharing Redis.
"""

from __future__ import annotations

import dataclasses

from roost.infra.cache import Cache
from roost.kernel.errors import RateLimited


@dataclasses.dataclass(frozen=True, slots=True)
class Budget:
    """``limit`` calls per ``period`` seconds, refilling continuously."""

    name: str
    limit: int
    period: float
    interval_ms: int = dataclasses.field(init=False)
    # limit intervals exactly, so rounding the interval never lets limit + 1
    # calls through at once.
    capacity_ms: int = dataclasses.field(init=False)
    prefix: str = dataclasses.field(init=False)

    def __post_init__(self) -> None:
        if self.limit < 1 or self.period <= 0:
            raise ValueError(f"rate limit {self.name}: needs a limit >= 1 and a period > 0")
        interval = max(1, round(self.period * 1000 / self.limit))
        object.__setattr__(self, "interval_ms", interval)
        object.__setattr__(self, "capacity_ms", interval * self.limit)
        object.__setattr__(self, "prefix", f"rl:{self.name}:")


# Not frozen: a frozen dataclass sets each field through object.__setattr__,
# and one Verdict is made per API request.
@dataclasses.dataclass(slots=True)
class Verdict:
    """The outcome of one call against a budget, for the X-RateLimit headers."""

    passed: bool
    limit: int
    remaining: int
    reset_at: float  # Unix seconds when the whole budget is back
    retry_at: float  # Unix seconds when the next call can pass (now when it can)

    def error(self, *, now: float, message: str = "Too many requests") -> RateLimited:
        return RateLimited(
            limit=self.limit,
            reset_at=self.reset_at,
            now=now,
            retry_after=self.retry_at - now,
            message=message,
        )


def _verdict(budget: Budget, passed: bool, tat_ms: int, now: float, now_ms: int) -> Verdict:
    # Plain comparisons and positional arguments: this runs on every request.
    interval = budget.interval_ms
    if tat_ms < now_ms:
        tat_ms = now_ms
    room = now_ms + budget.capacity_ms - tat_ms
    remaining = room // interval if room > 0 else 0
    retry_at = now + (interval - room) / 1000 if room < interval else now
    return Verdict(passed, budget.limit, remaining, tat_ms / 1000, retry_at)


async def take(cache: Cache, budget: Budget, key: str, *, now: float, cost: int = 1) -> Verdict:
    """Spend ``cost`` calls of ``budget`` for ``key`` if they are left; a
    refused call spends nothing."""
    now_ms = int(now * 1000)
    passed, tat = await cache.throttle(
        budget.prefix + key,
        now_ms=now_ms,
        interval_ms=budget.interval_ms,
        capacity_ms=budget.capacity_ms,
        cost=cost,
    )
    return _verdict(budget, passed, tat, now, now_ms)


async def peek(cache: Cache, budget: Budget, key: str, *, now: float) -> Verdict:
    """What is left of ``budget`` for ``key``, spending nothing; ``passed``
    says whether one more call would pass."""
    now_ms = int(now * 1000)
    _, tat = await cache.throttle(
        budget.prefix + key,
        now_ms=now_ms,
        interval_ms=budget.interval_ms,
        capacity_ms=budget.capacity_ms,
        cost=0,
    )
    verdict = _verdict(budget, True, tat, now, now_ms)
    return dataclasses.replace(verdict, passed=verdict.remaining >= 1)


async def forget(cache: Cache, budget: Budget, key: str) -> None:
    """Give ``key`` its whole budget back."""
    await cache.delete(budget.prefix + key)
