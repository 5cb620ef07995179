"""Degraded mode for the shared backends (Redis): keep serving while they are down.

``build_services`` wraps the Redis cache, timeline store and job wake-ups in
these classes; the protocols do not change, only what a failure looks like.

One ``Health`` per Redis client is a circuit breaker shared by its wrappers.
A connection error or timeout opens it: for ``retry_interval`` seconds every
call fails at once without touching the network (a Redis that drops packets
would otherwise hold each request for the socket timeout), then a single
call probes, and its success closes the breaker again. The probe first drops
the pooled connections nobody is using (``reset``: after a restart of Redis
each would be a dead socket failing its next call once, re-opening the
breaker as many times) and sends a ``PING`` (``ping``): only a real round
trip proves Redis healthy, not a call that had nothing to send (an empty
``get_many``). A call that started before the breaker last closed and fails
afterwards (it waited on a connection of the outage) fails alone, without
opening the breaker again. Failures are logged
once when Redis goes away, then at most every ``log_interval`` seconds, and
once more when it is back. Other Redis errors (a bad script, a wrong type)
are bugs and propagate unchanged.

What each kind of call does while Redis is unreachable:

* Cache reads (``get_many``) answer "all missing": every caller already
  reads the database on a miss, so the service answers, slower.
* Cache fills (``set_many``, ``set_each``) are skipped.
* Conditional updates (``replace``) count as invalidations: their key is
  remembered and dropped on recovery, like a failed ``delete``.
* Invalidations (``delete``, ``clear``) cannot be skipped: Redis may come
  back with its data (a network cut, a paused server), and an entry whose
  invalidation was lost would then be served stale until its TTL. Failed
  invalidations are remembered in the process and replayed before this
  process sends Redis anything else, so it never reads an entry it failed
  to invalidate. Past ``max_pending`` keys the whole cache namespace is
  cleared on recovery instead. The writes that invalidate keep working.
  Two windows remain, both bounded by the cache TTLs (at most an hour, five
  minutes for tokens): another process may read an entry between Redis
  coming back and this process's next call, and a process that dies while
  holding failed invalidations loses them.
  A fill that fails is not an invalidation: the entry it would have
  replaced, if Redis kept one, was valid unless an invalidation was lost,
  and those are replayed. (The one write-through fill, the hot accounts'
  posts, has a 60 s TTL, the staleness it accepts anyway.)
* Counters (``incr``) and rate limits (``throttle``) fall back to state in
  the process: limits hold per process instead of per deployment (each app
  server grants the whole budget), so they fail open by a factor of the
  number of processes but never refuse a request because Redis is down.
* Timeline calls raise ``BackendUnavailable``. The home timeline read then
  answers from the database (``roost.timelines.home``); fan-out jobs fail
  and the job runner retries them without using up their attempts, so a
  long outage does not park them (``roost.jobs.runner``). A failed ``drop``
  or ``clear`` is remembered and replayed like a cache invalidation: a
  rebuild that marked a timeline and then failed drops it, and a reseeded
  database clears every timeline; neither may be lost.
* Wake-up publishes are skipped (workers poll).

A Redis replaced by an empty one (restart without persistence, flush) needs
nothing of this: missing entries and timelines are rebuilt on demand.
"""

from __future__ import annotations

import contextlib
import logging
import math
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, ParamSpec, TypeVar

from roost.infra.cache import Cache, MemoryCache
from roost.infra.metrics import BREAKER_OPEN, BREAKER_TRIPS, CACHE_HITS, CACHE_MISSES
from roost.infra.timeline_store import TimelineStore
from roost.kernel.paging import Page

if TYPE_CHECKING:
    from roost.infra.wakeups import JobWakeups

log = logging.getLogger("roost.infra")

P = ParamSpec("P")
T = TypeVar("T")


class BackendUnavailable(Exception):
    """A shared backend cannot be reached: fall back, or retry later."""


def redis_unreachable_errors() -> tuple[type[BaseException], ...]:
    """The Redis client errors that mean "not reachable now", as opposed to bugs."""
    from redis import exceptions as e

    return (
        e.ConnectionError,  # refused, reset, loading the dataset, auth
        e.TimeoutError,
        e.ReadOnlyError,  # a replica during a failover
        e.ClusterDownError,
        e.TryAgainError,
        e.SlotNotCoveredError,
        OSError,
        TimeoutError,
    )


def describe(exc: BaseException) -> str:
    # redis-py's exceptions have a terse repr ("network:ConnectionError").
    return f"{type(exc).__name__}: {exc}"


class Health:
    """A circuit breaker for one backend, shared by every wrapper around it."""

    def __init__(
        self,
        name: str,
        *,
        errors: tuple[type[BaseException], ...],
        retry_interval: float = 1.0,
        log_interval: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
        busy: Callable[[BaseException], bool] = lambda exc: False,
        ping: Callable[[], Awaitable[object]] | None = None,
        reset: Callable[[], Awaitable[object]] | None = None,
    ) -> None:
        self.name = name
        # The probe's round trip, and what drops connections of the outage.
        self.ping = ping
        self.reset = reset
        self.errors = errors
        # Errors of this process being overloaded (no free pooled connection):
        # the call degrades, but the breaker stays closed; opening it would
        # send every request to the database and make the overload worse.
        self.busy = busy
        self.retry_interval = retry_interval
        self.log_interval = log_interval
        # Public so that tests of a running app can move the breaker's time.
        self.clock = clock
        self._down_since: float | None = None
        self._retry_at = 0.0
        self._probing = False
        self._last_log = -math.inf
        self._failures = 0  # calls failed or refused since the last log line
        self._closings = 0  # times the breaker closed: a call's start is dated by it
        # Times the breaker opened since the process started (a counter for
        # the metrics).
        self.trips = 0

    @property
    def down(self) -> bool:
        return self._down_since is not None

    async def call(self, fn: Callable[P, Awaitable[T]], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run one backend call, or raise BackendUnavailable at once while the
        breaker is open."""
        probe = False
        if self._down_since is not None:
            if self._probing or self.clock() < self._retry_at:
                self._failures += 1
                raise BackendUnavailable(f"{self.name} is unreachable")
            probe = self._probing = True
        started = self._closings
        try:
            if probe:
                if self.reset is not None:
                    await self.reset()
                if self.ping is not None:
                    await self.ping()
            result = await fn(*args, **kwargs)
        except self.errors as exc:
            if self.busy(exc):
                raise BackendUnavailable(f"{self.name} is busy: {describe(exc)}") from exc
            if started == self._closings:
                self._failed(exc)
            # else: it began before Redis came back and failed on a
            # connection of the outage: no news about Redis now.
            raise BackendUnavailable(f"{self.name} is unreachable: {describe(exc)}") from exc
        finally:
            if probe:
                self._probing = False
        # A call that started before the outage and answered late proves
        # nothing: only the probe closes an open breaker.
        if probe or self._down_since is None:
            self._recovered()
        return result

    def _failed(self, exc: BaseException) -> None:
        now = self.clock()
        self._retry_at = now + self.retry_interval
        self._failures += 1
        if self._down_since is None:
            self._down_since = now
            self._last_log = now
            self._failures = 0
            self.trips += 1
            BREAKER_TRIPS.inc()
            BREAKER_OPEN.set(1)
            log.warning("%s unreachable, running degraded: %s", self.name, describe(exc))
        elif now - self._last_log >= self.log_interval:
            log.warning(
                "%s still unreachable after %.0f s (%d calls failed since the last report): %s",
                self.name,
                now - self._down_since,
                self._failures,
                describe(exc),
            )
            self._last_log = now
            self._failures = 0

    def _recovered(self) -> None:
        if self._down_since is None:
            return
        log.warning("%s reachable again after %.1f s", self.name, self.clock() - self._down_since)
        self._closings += 1
        self._down_since = None
        BREAKER_OPEN.set(0)
        self._failures = 0


class ResilientCache:
    """A Cache that degrades instead of failing (see the module docstring)."""

    def __init__(self, inner: Cache, health: Health, *, max_pending: int = 10_000) -> None:
        self.inner = inner
        self.health = health
        self.max_pending = max_pending
        # Invalidations Redis did not get; replayed before anything else.
        self._pending: set[str] = set()
        self._clear_all = False
        self._counters = MemoryCache(max_items=100_000)

    @property
    def pending_invalidations(self) -> int:
        """Keys waiting for their replay (for tests and monitoring)."""
        return len(self._pending) + (1 if self._clear_all else 0)

    def _remember(self, keys: Iterable[str]) -> None:
        if self._clear_all:
            return  # the clear covers them
        self._pending.update(keys)
        if len(self._pending) > self.max_pending:
            self._pending.clear()
            self._clear_all = True

    async def _replay(self) -> None:
        """Send the invalidations that failed; raises BackendUnavailable while
        Redis is still unreachable."""
        if self._clear_all:
            covered = set(self._pending)
            self._clear_all = False
            try:
                await self.health.call(self.inner.clear)
            except BackendUnavailable:
                self._clear_all = True
                raise
            self._pending -= covered
            log.warning("cache cleared after invalidations were lost to an outage")
        if self._pending:
            keys = list(self._pending)
            await self.health.call(self.inner.delete, *keys)
            self._pending.difference_update(keys)

    async def get_many(self, keys: Iterable[str]) -> dict[str, bytes]:
        wanted = list(keys)
        if not wanted:
            return {}
        try:
            if self._pending or self._clear_all:
                await self._replay()
            found = await self.health.call(self.inner.get_many, wanted)
        except BackendUnavailable:
            found = {}
        CACHE_HITS.inc(len(found))
        CACHE_MISSES.inc(len(wanted) - len(found))
        return found

    async def set_many(self, items: Mapping[str, bytes], *, ttl: int) -> None:
        try:
            if self._pending or self._clear_all:
                await self._replay()
            await self.health.call(self.inner.set_many, items, ttl=ttl)
        except BackendUnavailable:
            pass

    async def set_each(self, items: Mapping[str, tuple[bytes, int]]) -> None:
        try:
            if self._pending or self._clear_all:
                await self._replay()
            await self.health.call(self.inner.set_each, items)
        except BackendUnavailable:
            pass

    async def replace(self, key: str, expected: bytes, value: bytes, *, ttl: int) -> bool:
        # An update that may not have happened is an invalidation that may
        # not have happened: remembered and replayed like a failed delete.
        try:
            if self._pending or self._clear_all:
                await self._replay()
            return await self.health.call(self.inner.replace, key, expected, value, ttl=ttl)
        except BackendUnavailable:
            self._remember([key])
            return False

    async def delete(self, *keys: str) -> None:
        if not keys:
            return
        try:
            if self._pending or self._clear_all:
                await self._replay()
            await self.health.call(self.inner.delete, *keys)
        except BackendUnavailable:
            self._remember(keys)

    async def incr(self, key: str, amount: int = 1, *, ttl: int) -> int:
        try:
            if self._pending or self._clear_all:
                await self._replay()
            return await self.health.call(self.inner.incr, key, amount, ttl=ttl)
        except BackendUnavailable:
            return await self._counters.incr(key, amount, ttl=ttl)

    async def throttle(
        self, key: str, *, now_ms: int, interval_ms: int, capacity_ms: int, cost: int = 1
    ) -> tuple[bool, int]:
        # No replay first: this runs on every API request, and the replay
        # happens on the next cache read anyway.
        try:
            return await self.health.call(
                self.inner.throttle,
                key,
                now_ms=now_ms,
                interval_ms=interval_ms,
                capacity_ms=capacity_ms,
                cost=cost,
            )
        except BackendUnavailable:
            return await self._counters.throttle(
                key, now_ms=now_ms, interval_ms=interval_ms, capacity_ms=capacity_ms, cost=cost
            )

    async def clear(self) -> None:
        covered = set(self._pending)
        self._clear_all = False
        try:
            await self.health.call(self.inner.clear)
        except BackendUnavailable:
            self._pending.clear()
            self._clear_all = True
            return
        self._pending -= covered
        await self._counters.clear()


class ResilientTimelineStore:
    """A TimelineStore whose calls raise BackendUnavailable while Redis is
    unreachable (see the module docstring); failed drops are replayed."""

    def __init__(self, inner: TimelineStore, health: Health) -> None:
        self.inner = inner
        self.health = health
        # Drops and a clear Redis did not get; replayed before anything else.
        self._pending_drops: set[str] = set()
        self._clear_all = False

    @property
    def pending_drops(self) -> int:
        return len(self._pending_drops) + (1 if self._clear_all else 0)

    async def _replay(self) -> None:
        if self._clear_all:
            self._clear_all = False
            covered = set(self._pending_drops)
            try:
                await self.health.call(self.inner.clear)
            except BackendUnavailable:
                self._clear_all = True
                raise
            self._pending_drops -= covered
        for key in list(self._pending_drops):
            await self.health.call(self.inner.drop, key)
            self._pending_drops.discard(key)

    async def _call(self, fn: Callable[P, Awaitable[T]], *args: P.args, **kwargs: P.kwargs) -> T:
        if self._pending_drops or self._clear_all:
            await self._replay()
        return await self.health.call(fn, *args, **kwargs)

    async def range(self, key: str, page: Page) -> list[int] | None:
        return await self._call(self.inner.range, key, page)

    async def mark(self, key: str) -> None:
        await self._call(self.inner.mark, key)

    async def merge(self, key: str, ids: Iterable[int], *, create: bool = True) -> bool:
        return await self._call(self.inner.merge, key, list(ids), create=create)

    async def push(self, keys: Sequence[str], status_id: int) -> None:
        await self._call(self.inner.push, keys, status_id)

    async def push_pairs(self, pairs: Sequence[tuple[str, int]]) -> None:
        await self._call(self.inner.push_pairs, pairs)

    async def remove(self, key: str, ids: Iterable[int]) -> None:
        await self._call(self.inner.remove, key, list(ids))

    async def remove_everywhere(self, keys: Sequence[str], status_id: int) -> None:
        await self._call(self.inner.remove_everywhere, keys, status_id)

    async def drop(self, key: str) -> None:
        try:
            await self._call(self.inner.drop, key)
        except BackendUnavailable:
            self._pending_drops.add(key)

    async def clear(self) -> None:
        covered = set(self._pending_drops)
        self._clear_all = False
        try:
            await self.health.call(self.inner.clear)
        except BackendUnavailable:
            self._pending_drops.clear()
            self._clear_all = True
            return
        self._pending_drops -= covered


class ResilientWakeups:
    """Job wake-ups whose publish is skipped while Redis is unreachable
    (workers still poll); ``listen`` reconnects by itself."""

    def __init__(self, inner: JobWakeups, health: Health) -> None:
        self.inner = inner
        self.health = health

    async def publish(self) -> None:
        with contextlib.suppress(BackendUnavailable):
            await self.health.call(self.inner.publish)

    async def listen(self, on_signal: Callable[[], None]) -> None:
        await self.inner.listen(on_signal)
