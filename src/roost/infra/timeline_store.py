"""Per-user capped timelines of status ids (the home-timeline cache).

A timeline is a newest-first list of status ids capped at ``capacity``. A
timeline that is missing (never built, evicted, or the cache was flushed)
reads as ``None`` so the caller rebuilds it from the database.

Rebuild protocol, safe against a fan-out that runs while a rebuild reads the
database: ``mark`` the timeline first (fan-out only writes to timelines that
exist), then read the database, then ``merge`` what was read. A post
committed after the read is added by its fan-out to the marked timeline, a
post committed before it is in the read, and ``merge`` keeps both. The
marked timeline must exist from the mark to the merge: one flushed or
evicted in between may have missed a fan-out, so the rebuild merges with
``create=False`` and starts over when the timeline is gone.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from typing import Protocol

from roost.kernel.paging import Page


class HeadReader(Protocol):
    """Reads the head of a timeline (its newest ids) together with cache
    entries in one round trip, where the backend can (``redis_heads``)."""

    async def read(
        self, key: str, limit: int, also: Sequence[str], id_prefix: str
    ) -> tuple[list[int], dict[str, bytes]] | None:
        """The newest ``limit`` ids of timeline ``key``, and the cache values
        of ``also`` and of ``id_prefix + str(id)`` for each id (those
        present); None: read them the usual way (``range``, ``get_many``)."""
        ...


class TimelineStore(Protocol):
    async def range(self, key: str, page: Page) -> list[int] | None:
        """Ids within ``page`` newest first, or None when the timeline is missing."""
        ...

    async def mark(self, key: str) -> None:
        """Make the timeline exist (empty if it did not) before a rebuild."""
        ...

    async def merge(self, key: str, ids: Iterable[int], *, create: bool = True) -> bool:
        """Add ids to a timeline, creating it; duplicates are ignored. With
        ``create`` false a missing timeline is left missing and False returned
        (a rebuild whose marked timeline was flushed or evicted meanwhile)."""
        ...

    async def push(self, keys: Sequence[str], status_id: int) -> None:
        """Add one id to each of ``keys`` that exists (fan-out); others are skipped."""
        ...

    async def push_pairs(self, pairs: Sequence[tuple[str, int]]) -> None:
        """``push`` of several statuses at once: each ``(key, status id)``
        adds that id to that timeline if it exists (a batched fan-out, one
        round trip for many statuses)."""
        ...

    async def remove(self, key: str, ids: Iterable[int]) -> None: ...

    async def remove_everywhere(self, keys: Sequence[str], status_id: int) -> None:
        """Remove one id from each of ``keys`` (delete fan-out)."""
        ...

    async def drop(self, key: str) -> None: ...

    async def clear(self) -> None: ...


class MemoryTimelineStore:
    """Sorted ``array('q')`` per timeline (8 bytes an id), LRU-bounded in count."""

    def __init__(self, *, capacity: int = 800, max_timelines: int = 100_000) -> None:
        self.capacity = capacity
        self._max = max_timelines
        self._timelines: OrderedDict[str, array[int]] = OrderedDict()

    async def range(self, key: str, page: Page) -> list[int] | None:
        ids = self._timelines.get(key)
        if ids is None:
            return None
        self._timelines.move_to_end(key)
        # ids are ascending; 0 may be stored by nobody, ids are positive.
        hi = len(ids) if page.max_id is None else bisect_left(ids, page.max_id)
        lower = page.lower
        lo = 0 if lower is None else bisect_right(ids, lower)
        if hi <= lo:
            return []
        if page.ascending:
            chunk = ids[lo : min(hi, lo + page.limit)]
        else:
            chunk = ids[max(lo, hi - page.limit) : hi]
        return list(reversed(chunk))

    def _get_or_create(self, key: str) -> array[int]:
        ids = self._timelines.get(key)
        if ids is None:
            ids = self._timelines[key] = array("q")
            while len(self._timelines) > self._max:
                self._timelines.popitem(last=False)
        else:
            self._timelines.move_to_end(key)
        return ids

    def _insert(self, ids: array[int], status_id: int) -> None:
        pos = bisect_left(ids, status_id)
        if pos < len(ids) and ids[pos] == status_id:
            return
        if len(ids) >= self.capacity and pos == 0:
            return  # older than everything kept in a full timeline
        ids.insert(pos, status_id)
        if len(ids) > self.capacity:
            del ids[: len(ids) - self.capacity]

    async def mark(self, key: str) -> None:
        self._get_or_create(key)

    async def merge(self, key: str, ids: Iterable[int], *, create: bool = True) -> bool:
        if not create and key not in self._timelines:
            return False
        timeline = self._get_or_create(key)
        merged = sorted(set(timeline).union(ids))[-self.capacity :]
        timeline[:] = array("q", merged)
        return True

    async def push(self, keys: Sequence[str], status_id: int) -> None:
        timelines = self._timelines
        for key in keys:
            ids = timelines.get(key)
            if ids is not None:
                self._insert(ids, status_id)

    async def push_pairs(self, pairs: Sequence[tuple[str, int]]) -> None:
        timelines = self._timelines
        for key, status_id in pairs:
            ids = timelines.get(key)
            if ids is not None:
                self._insert(ids, status_id)

    async def remove(self, key: str, ids: Iterable[int]) -> None:
        timeline = self._timelines.get(key)
        if timeline is None:
            return
        drop = set(ids)
        timeline[:] = array("q", (i for i in timeline if i not in drop))

    async def remove_everywhere(self, keys: Sequence[str], status_id: int) -> None:
        for key in keys:
            timeline = self._timelines.get(key)
            if timeline is None:
                continue
            pos = bisect_left(timeline, status_id)
            if pos < len(timeline) and timeline[pos] == status_id:
                del timeline[pos]

    async def drop(self, key: str) -> None:
        self._timelines.pop(key, None)

    async def clear(self) -> None:
        self._timelines.clear()
