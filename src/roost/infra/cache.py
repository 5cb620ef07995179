"""Key-value cache for hot entities (statuses, accounts, tokens, relationships).

Values are bytes (msgpack) so the in-process and Redis implementations keep
the same contract. Caches are never the source of truth: every key can be
dropped and is rebuilt from the database on the next miss.
"""

from __future__ import annotations

import random
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from typing import Protocol

from roost.infra.metrics import CACHE_HITS, CACHE_MISSES

# Entries live between (1 - TTL_SPREAD) x ttl and ttl. Entries filled together
# (a warm-up, a burst of reads of the same timelines) would otherwise expire
# in the same second and send every reader to the database at once; under
# load that stampede can push a server past its capacity and keep it there.
TTL_SPREAD = 0.2


def spread_ttl(ttl: float) -> float:
    """A lifetime for one entry: ``ttl`` shortened by up to ``TTL_SPREAD``.
    The ttl stays the upper bound that callers' staleness limits rely on."""
    return ttl * (1.0 - TTL_SPREAD * random.random())


class Cache(Protocol):
    async def get_many(self, keys: Iterable[str]) -> dict[str, bytes]:
        """The values found; missing keys are simply absent."""
        ...

    async def set_many(self, items: Mapping[str, bytes], *, ttl: int) -> None:
        """Store values for at most ``ttl`` seconds (each entry a little less,
        at random: see ``spread_ttl``)."""
        ...

    async def set_each(self, items: Mapping[str, tuple[bytes, int]]) -> None:
        """``set_many`` for values of different lifetimes: key -> (value,
        ttl), in one call (one round trip on Redis)."""
        ...

    async def replace(self, key: str, expected: bytes, value: bytes, *, ttl: int) -> bool:
        """Store ``value`` (as ``set_many`` would) only if ``key`` still holds
        exactly ``expected`` (or ``value`` already); otherwise drop ``key``.
        Atomic across every process sharing the cache. True when ``key``
        holds ``value`` afterwards.

        An update computed from a cached value after a committed change:
        when the entry moved meanwhile (another writer, an invalidation, an
        expiry) the update may be stale, and the key is dropped instead, as
        an invalidation would. An entry that already holds ``value`` (two
        posts of one author in one transaction refresh it with the same
        row) is as current as the update would make it, and stays."""
        ...

    async def delete(self, *keys: str) -> None: ...

    async def incr(self, key: str, amount: int = 1, *, ttl: int) -> int:
        """Add to an integer counter (created at 0), returning the new value."""
        ...

    async def throttle(
        self, key: str, *, now_ms: int, interval_ms: int, capacity_ms: int, cost: int = 1
    ) -> tuple[bool, int]:
        """One step of the generic cell rate algorithm (see ``roost.infra.ratelimit``),
        atomic across every process sharing the cache.

        The key holds a theoretical arrival time (TAT, ms). A call costing
        ``cost`` cells passes when ``max(TAT, now) + cost * interval`` stays
        within ``capacity_ms`` of ``now``; it then stores that sum (kept until
        it is reached). Returns ``(passed, tat)``: the new TAT when it passed,
        the unchanged one when it did not. ``cost=0`` only reads."""
        ...

    async def clear(self) -> None: ...


def gcra_step(
    stored: int | None, *, now_ms: int, interval_ms: int, capacity_ms: int, cost: int
) -> tuple[bool, int]:
    """The throttle arithmetic, shared by the in-process cache (the Redis
    script does the same in Lua)."""
    tat = now_ms if stored is None or stored < now_ms else stored
    new = tat + cost * interval_ms
    if new - capacity_ms > now_ms:
        return False, tat
    return True, new


class MemoryCache:
    """A bounded LRU in the process: the embedded default."""

    def __init__(
        self, max_items: int = 200_000, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._items: OrderedDict[str, tuple[float, bytes]] = OrderedDict()
        self._counters: dict[str, tuple[float, int]] = {}
        # Throttle keys -> TAT (ms); an entry whose TAT has passed is spent.
        self._rates: dict[str, int] = {}
        self._max = max_items
        self._clock = clock  # seconds; tests pass a clock they move by hand

    async def get_many(self, keys: Iterable[str]) -> dict[str, bytes]:
        now = self._clock()
        found: dict[str, bytes] = {}
        items = self._items
        wanted = 0
        for key in keys:
            wanted += 1
            entry = items.get(key)
            if entry is None:
                continue
            if entry[0] < now:
                del items[key]
                continue
            items.move_to_end(key)
            found[key] = entry[1]
        CACHE_HITS.inc(len(found))
        CACHE_MISSES.inc(wanted - len(found))
        return found

    async def set_many(self, items: Mapping[str, bytes], *, ttl: int) -> None:
        store = self._items
        if ttl <= 0:
            # Expired on arrival. Storing it with a lifetime of zero relied on
            # the clock having moved by the next read.
            for key in items:
                store.pop(key, None)
            return
        now = self._clock()
        for key, value in items.items():
            store[key] = (now + spread_ttl(ttl), value)
            store.move_to_end(key)
        self._trim()

    def _trim(self) -> None:
        store = self._items
        while len(store) > self._max:
            store.popitem(last=False)

    async def set_each(self, items: Mapping[str, tuple[bytes, int]]) -> None:
        store = self._items
        now = self._clock()
        for key, (value, ttl) in items.items():
            if ttl <= 0:
                store.pop(key, None)
                continue
            store[key] = (now + spread_ttl(ttl), value)
            store.move_to_end(key)
        self._trim()

    async def replace(self, key: str, expected: bytes, value: bytes, *, ttl: int) -> bool:
        store = self._items
        now = self._clock()
        entry = store.get(key)
        if entry is not None and entry[0] >= now and entry[1] in (expected, value) and ttl > 0:
            store[key] = (now + spread_ttl(ttl), value)
            store.move_to_end(key)
            return True
        store.pop(key, None)
        return False

    async def delete(self, *keys: str) -> None:
        for key in keys:
            self._items.pop(key, None)
            self._counters.pop(key, None)
            self._rates.pop(key, None)

    async def incr(self, key: str, amount: int = 1, *, ttl: int) -> int:
        now = self._clock()
        expires, value = self._counters.get(key, (0.0, 0))
        if expires < now:
            value = 0
        value += amount
        self._counters[key] = (now + ttl, value)
        return value

    async def throttle(
        self, key: str, *, now_ms: int, interval_ms: int, capacity_ms: int, cost: int = 1
    ) -> tuple[bool, int]:
        rates = self._rates
        passed, tat = gcra_step(
            rates.get(key),
            now_ms=now_ms,
            interval_ms=interval_ms,
            capacity_ms=capacity_ms,
            cost=cost,
        )
        if passed and cost > 0:
            rates[key] = tat
            if len(rates) > self._max:
                self._prune_rates(now_ms)
        return passed, tat

    def _prune_rates(self, now_ms: int) -> None:
        # Spent entries carry no state; past that, the oldest keys go (their
        # budgets start over: an address flood cannot grow the process).
        rates = self._rates
        for key in [k for k, tat in rates.items() if tat <= now_ms]:
            del rates[key]
        while len(rates) > self._max:
            del rates[next(iter(rates))]

    async def clear(self) -> None:
        self._items.clear()
        self._counters.clear()
        self._rates.clear()
