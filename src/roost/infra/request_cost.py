"""What one request cost: SQL statements, cache and timeline-store calls,
cache misses by key family and timeline rebuilds, for the slow-request log.

The HTTP middleware (``roost.api.metrics``) opens a ``RequestCost`` in a
context variable for each request when ``ROOST_SLOW_REQUEST_MS`` is set;
the counting hooks below add to whatever cost is open in the current
context and do nothing outside a request (jobs, start-up). Tasks a request
starts (a shared timeline rebuild) copy its context, so their work is
counted to the request that started them.

The hooks are installed only when the setting is on (``build_services``):
two SQLAlchemy cursor events on each engine, and wrappers around the cache
and the timeline store. Each hook is a context-variable read and a few
additions; nothing is timed but SQL statements. With the setting off none
of this exists.

Cache misses are named by key family, the key up to its first colon
(``status``, ``account``, ``counts``, ``vf``, ``rel``, ...: see
``roost.kernel.cachekeys``); a timeline rebuild is a ``mark`` of the
timeline store, which only the rebuild protocol calls.

What stalled the process meanwhile (``stalls``): the garbage collections
and event-loop stalls that fell inside the request's time
(``roost.infra.stalls``), so that a slow request that cost nothing says
whether it waited for a collection or for a loop busy elsewhere.
"""

from __future__ import annotations

import contextvars
import dataclasses
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from roost.infra import stalls as process_stalls
from roost.infra.cache import Cache
from roost.infra.timeline_store import TimelineStore
from roost.kernel.paging import Page


@dataclasses.dataclass(slots=True)
class RequestCost:
    sql_statements: int = 0
    sql_seconds: float = 0.0
    cache_calls: int = 0
    timeline_calls: int = 0
    timeline_rebuilds: int = 0
    # Missed cache keys by family ("status", "account", "counts", ...).
    cache_misses: dict[str, int] = dataclasses.field(default_factory=dict)
    # The garbage collector's totals when the request began.
    gc_before: tuple[int, float, int, float] = (0, 0.0, 0, 0.0)

    def stalls(self, start: float, end: float) -> process_stalls.Stalls:
        """Collections and loop stalls between ``start`` and ``end``
        (``time.perf_counter``), this request's time."""
        return process_stalls.during(start, end, self.gc_before)

    def summary(self) -> str:
        """One line's worth: ``sql=3/12.5ms cache=4 misses=status:2,account:1
        timeline=1 rebuilds=1``."""
        misses = ",".join(f"{k}:{v}" for k, v in sorted(self.cache_misses.items())) or "0"
        return (
            f"sql={self.sql_statements}/{self.sql_seconds * 1000:.1f}ms "
            f"cache={self.cache_calls} misses={misses} "
            f"timeline={self.timeline_calls} rebuilds={self.timeline_rebuilds}"
        )


_current: contextvars.ContextVar[RequestCost | None] = contextvars.ContextVar(
    "roost_request_cost", default=None
)


def begin() -> contextvars.Token[RequestCost | None]:
    """Open a fresh cost for the current context (the middleware's call)."""
    return _current.set(RequestCost(gc_before=process_stalls.GC.totals()))


def end(token: contextvars.Token[RequestCost | None]) -> RequestCost:
    cost = _current.get()
    _current.reset(token)
    return cost if cost is not None else RequestCost()


def current() -> RequestCost | None:
    return _current.get()


def family(key: str) -> str:
    head, sep, _ = key.partition(":")
    return head if sep else "other"


# SQL: two cursor events per engine. The start time rides on the
# connection's info dict (one statement at a time per connection).


def _before(conn: sa.Connection, *_: Any) -> None:
    if _current.get() is not None:
        conn.info["roost_cost_t0"] = time.perf_counter()


def _after(conn: sa.Connection, *_: Any) -> None:
    cost = _current.get()
    if cost is None:
        return
    started = conn.info.pop("roost_cost_t0", None)
    cost.sql_statements += 1
    if started is not None:
        cost.sql_seconds += time.perf_counter() - started


def watch_engine(engine: AsyncEngine) -> None:
    """Count every statement ``engine`` runs inside a request (idempotent)."""
    sync = engine.sync_engine
    if not event.contains(sync, "before_cursor_execute", _before):
        event.listen(sync, "before_cursor_execute", _before)
        event.listen(sync, "after_cursor_execute", _after)


class CostedCache:
    """A Cache that counts its calls and misses into the open request cost."""

    def __init__(self, inner: Cache) -> None:
        self.inner = inner

    def __getattr__(self, name: str) -> Any:
        # Backend extras (pending_invalidations, ...) stay reachable.
        return getattr(self.inner, name)

    async def get_many(self, keys: Iterable[str]) -> dict[str, bytes]:
        cost = _current.get()
        if cost is None:
            return await self.inner.get_many(keys)
        wanted = list(keys)
        found = await self.inner.get_many(wanted)
        cost.cache_calls += 1
        if len(found) < len(wanted):
            misses = cost.cache_misses
            for key in wanted:
                if key not in found:
                    kind = family(key)
                    misses[kind] = misses.get(kind, 0) + 1
        return found

    def _count(self) -> None:
        cost = _current.get()
        if cost is not None:
            cost.cache_calls += 1

    async def set_many(self, items: Mapping[str, bytes], *, ttl: int) -> None:
        self._count()
        await self.inner.set_many(items, ttl=ttl)

    async def set_each(self, items: Mapping[str, tuple[bytes, int]]) -> None:
        self._count()
        await self.inner.set_each(items)

    async def replace(self, key: str, expected: bytes, value: bytes, *, ttl: int) -> bool:
        self._count()
        return await self.inner.replace(key, expected, value, ttl=ttl)

    async def delete(self, *keys: str) -> None:
        self._count()
        await self.inner.delete(*keys)

    async def incr(self, key: str, amount: int = 1, *, ttl: int) -> int:
        self._count()
        return await self.inner.incr(key, amount, ttl=ttl)

    async def throttle(
        self, key: str, *, now_ms: int, interval_ms: int, capacity_ms: int, cost: int = 1
    ) -> tuple[bool, int]:
        self._count()
        return await self.inner.throttle(
            key, now_ms=now_ms, interval_ms=interval_ms, capacity_ms=capacity_ms, cost=cost
        )

    async def clear(self) -> None:
        self._count()
        await self.inner.clear()


class CostedTimelineStore:
    """A TimelineStore that counts its calls and rebuilds (``mark``)."""

    def __init__(self, inner: TimelineStore) -> None:
        self.inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def _count(self) -> None:
        cost = _current.get()
        if cost is not None:
            cost.timeline_calls += 1

    async def range(self, key: str, page: Page) -> list[int] | None:
        self._count()
        return await self.inner.range(key, page)

    async def mark(self, key: str) -> None:
        cost = _current.get()
        if cost is not None:
            cost.timeline_calls += 1
            cost.timeline_rebuilds += 1
        await self.inner.mark(key)

    async def merge(self, key: str, ids: Iterable[int], *, create: bool = True) -> bool:
        self._count()
        return await self.inner.merge(key, ids, create=create)

    async def push(self, keys: Sequence[str], status_id: int) -> None:
        self._count()
        await self.inner.push(keys, status_id)

    async def push_pairs(self, pairs: Sequence[tuple[str, int]]) -> None:
        self._count()
        await self.inner.push_pairs(pairs)

    async def remove(self, key: str, ids: Iterable[int]) -> None:
        self._count()
        await self.inner.remove(key, ids)

    async def remove_everywhere(self, keys: Sequence[str], status_id: int) -> None:
        self._count()
        await self.inner.remove_everywhere(keys, status_id)

    async def drop(self, key: str) -> None:
        self._count()
        await self.inner.drop(key)

    async def clear(self) -> None:
        self._count()
        await self.inner.clear()
