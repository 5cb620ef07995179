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

    async def delete(self, *keys: str) -> None: ...

    async def incr(self, key: str, amount: int = 1, *, ttl: int) -> int:
        """Add to an integer counter (created at 0), returning the new value."""
        ...

    async def clear(self) -> None: ...


class MemoryCache:
    """A bounded LRU in the process: the embedded default."""

    def __init__(
        self, max_items: int = 200_000, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._items: OrderedDict[str, tuple[float, bytes]] = OrderedDict()
        self._counters: dict[str, tuple[float, int]] = {}
        self._max = max_items
        self._clock = clock  # seconds; tests pass a clock they move by hand

    async def get_many(self, keys: Iterable[str]) -> dict[str, bytes]:
        now = self._clock()
        found: dict[str, bytes] = {}
        items = self._items
        for key in keys:
            entry = items.get(key)
            if entry is None:
                continue
            if entry[0] < now:
                del items[key]
                continue
            items.move_to_end(key)
            found[key] = entry[1]
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
        while len(store) > self._max:
            store.popitem(last=False)

    async def delete(self, *keys: str) -> None:
        for key in keys:
            self._items.pop(key, None)
            self._counters.pop(key, None)

    async def incr(self, key: str, amount: int = 1, *, ttl: int) -> int:
        now = self._clock()
        expires, value = self._counters.get(key, (0.0, 0))
        if expires < now:
            value = 0
        value += amount
        self._counters[key] = (now + ttl, value)
        return value

    async def clear(self) -> None:
        self._items.clear()
        self._counters.clear()
