"""Reading a page of a cached feed whose entries each viewer judges again
by the status records: the lists that hold more than one viewer may see
(the public and hashtag lists, ``roost.timelines.public``).

A page is read from the feed (``roost.timelines.home.read_feed``: the store,
rebuilt on a miss, extended from the database below its floor), the records
of its ids are read from the cache (one round trip) and judged; when some
are left out (or deleted) the next ids are read, up to ``STEPS`` times, and
past that the caller's database query answers the page instead. The records
read travel with the page to rendering, which so reads them only once."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from roost.kernel.paging import Page
from roost.statuses.records import StatusRecord
from roost.statuses.store import cached_statuses, load_status_blobs
from roost.timelines.home import Feed, Head, read_feed, read_feed_head

if TYPE_CHECKING:
    from roost.services import Services

# Reads of the feed per page before the database answers it instead (a
# viewer who blocked or muted most of the recent authors, a rare filter).
STEPS = 3

# Which of a step's records the page keeps (their ids).
Judge = Callable[[dict[int, StatusRecord]], set[int]]


@dataclasses.dataclass(frozen=True, slots=True)
class JudgedPage:
    """Ids newest first, and the records (and their cached bytes) read on
    the way, by id, for rendering."""

    ids: list[int]
    records: dict[int, StatusRecord]
    blobs: dict[int, bytes]


def page_after(cursor: Page, ids: list[int]) -> Page:
    """The page just past ``ids`` (read from ``cursor``) in its direction."""
    if cursor.ascending:
        return dataclasses.replace(cursor, min_id=ids[0])
    return dataclasses.replace(cursor, max_id=ids[-1])


async def read_judged(
    services: Services,
    *,
    feed: Feed,
    page: Page,
    judge: Judge,
    fallback: Callable[[Page], Awaitable[list[int]]],
    head: Head | None = None,
) -> JudgedPage:
    """One page of ``feed`` as ``judge`` keeps it (``fallback``: the same
    page straight from the database, for when the feed yields too few).
    ``head``: the caller's ``read_feed_head`` of the page, read along with
    its own keys."""
    records: dict[int, StatusRecord] = {}
    blobs: dict[int, bytes] = {}
    admitted: list[int] = []
    cursor = page
    for step in range(STEPS):
        if step > 0:
            head = None
        elif head is None:
            head = await read_feed_head(services, feed, cursor, ())
        if head is not None:
            # The list and its records in one round trip (Redis); misses
            # (evicted records) are read below.
            ids, cached = head
            found, found_blobs = cached_statuses(ids, cached)
            missing = [i for i in ids if i not in found]
            if missing:
                more, more_blobs = await load_status_blobs(services, missing)
                found.update(more)
                found_blobs.update(more_blobs)
        else:
            ids = await read_feed(services, feed, cursor)
            found, found_blobs = await load_status_blobs(services, ids) if ids else ({}, {})
        if ids:
            records.update(found)
            blobs.update(found_blobs)
            kept = judge(found)
            admitted += [i for i in ids if i in kept]
        if len(ids) < cursor.limit or len(admitted) >= page.limit:
            # The feed (and the database below it) had no more, or the page is full.
            return JudgedPage(page.select(sorted(admitted, reverse=True)), records, blobs)
        cursor = page_after(cursor, ids)
    return JudgedPage(await fallback(page), records, blobs)
