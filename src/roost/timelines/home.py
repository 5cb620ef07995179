"""The home timeline (and every other cached feed: lists): read from the
timeline store, rebuilt from the database when missing, extended from the
database past what the capped cache holds.

A ``Feed`` names a timeline in the store and the database query that
rebuilds it; home and list timelines share the reading code below."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING

from roost.infra.resilient import BackendUnavailable
from roost.kernel.cachekeys import STATUS_PREFIX, home_key
from roost.kernel.paging import Page
from roost.relationships.store import FeedFilters, feed_filter_keys, load_feed_filters
from roost.statuses.hydrate import Known
from roost.statuses.store import cached_statuses
from roost.timelines.home_query import query_home_ids
from roost.timelines.hot import merge_hot_posts

if TYPE_CHECKING:
    from roost.services import Services


# A timeline that keeps vanishing between mark and merge (flushed again and
# again, evicted under memory pressure) is left missing after this many
# tries; its readers are answered from the database meanwhile.
REBUILD_TRIES = 3


@dataclasses.dataclass(frozen=True, slots=True)
class Feed:
    """A cached timeline: its key in the store, and the database query that
    answers a page of it (what a rebuild loads, what pages older than the
    cache read)."""

    key: str
    query: Callable[[Page], Awaitable[list[int]]]


def home_feed(services: Services, account_id: int) -> Feed:
    async def query(page: Page) -> list[int]:
        return await query_home_ids(services, viewer_id=account_id, page=page)

    return Feed(home_key(account_id), query)


async def rebuild_home_timeline(services: Services, *, account_id: int) -> bool:
    """Rebuild the account's home timeline (see ``rebuild_feed``)."""
    return await rebuild_feed(services, home_feed(services, account_id))


async def rebuild_feed(services: Services, feed: Feed) -> bool:
    """Load the newest ``home_timeline_length`` statuses into the store;
    False when the timeline could not be kept in place.

    Mark first, then read, then merge (see infra.timeline_store): a status
    fanned out while the database is read lands in the marked timeline and
    survives the merge. The merge does not recreate a timeline that vanished
    since the mark (a flush), which may have missed a fan-out: start over."""
    key = feed.key
    store = services.timelines
    capacity = services.settings.home_timeline_length
    for _ in range(REBUILD_TRIES):
        await store.mark(key)
        try:
            ids = await feed.query(Page(limit=capacity))
            if await store.merge(key, ids, create=False):
                return True
        except BaseException:
            # Left marked but never merged, the timeline would read as
            # complete and empty from now on: drop it so a read rebuilds it.
            await store.drop(key)
            raise
    return False


# Rebuilds running in this process, by (store, key): a second read of the
# same cold timeline waits for the first rebuild instead of reading the
# marked, still empty timeline (or rebuilding it again).
_rebuilds: dict[tuple[int, str], asyncio.Future[bool]] = {}


def _settle(key: tuple[int, str], done: asyncio.Future[bool]) -> None:
    _rebuilds.pop(key, None)
    if not done.cancelled():
        done.exception()  # retrieved here so a failure nobody awaited is not logged as lost


async def _rebuild_once(services: Services, feed: Feed) -> None:
    slot = (id(services.timelines), feed.key)
    running = _rebuilds.get(slot)
    if running is None:
        running = asyncio.ensure_future(rebuild_feed(services, feed))
        _rebuilds[slot] = running
        running.add_done_callback(lambda done: _settle(slot, done))
    # Shielded: a reader that goes away does not cancel the others' rebuild.
    await asyncio.shield(running)


async def _cache_floor(
    services: Services, *, key: str, page: Page, cached_ids: list[int]
) -> int | None:
    """The oldest cached id when the page may continue below it in the
    database (the cache is full, so older statuses were trimmed away, and
    the page reaches below it); None when the cache answers the page."""
    capacity = services.settings.home_timeline_length
    lower = page.lower
    if page.max_id is None and lower is None:
        # The page started at the top: a short page is the whole cache.
        return cached_ids[-1] if len(cached_ids) >= capacity else None
    store = services.timelines
    bottom = await store.range(key, Page(min_id=0, limit=1))
    if not bottom:
        return None
    oldest = bottom[0]
    if lower is not None and lower >= oldest - 1:
        return None  # the page ends inside the cache
    if page.ascending and cached_ids and cached_ids[-1] != oldest:
        return None  # the cache has ids just above min_id: it covers the page
    whole = await store.range(key, Page(limit=capacity))
    return oldest if whole is not None and len(whole) >= capacity else None


async def _beyond_cache(
    services: Services, *, feed: Feed, page: Page, cached_ids: list[int]
) -> list[int]:
    """Complete a page from the database where it reaches below the cache.

    Called for short pages, and for min_id pages (the statuses right above
    min_id may be older than anything cached)."""
    oldest = await _cache_floor(services, key=feed.key, page=page, cached_ids=cached_ids)
    if oldest is None:
        return cached_ids
    upper = oldest if page.max_id is None else min(oldest, page.max_id)
    below = dataclasses.replace(page, max_id=upper)
    older = await feed.query(below)
    return page.select(sorted({*cached_ids, *older}, reverse=True))


async def _read_cached(services: Services, *, feed: Feed, page: Page) -> list[int]:
    key = feed.key
    store = services.timelines
    running = _rebuilds.get((id(store), key))
    if running is not None:
        await asyncio.shield(running)
    ids = await store.range(key, page)
    if ids is None:
        await _rebuild_once(services, feed)
        ids = await store.range(key, page)
        if ids is None:  # gone again already: an empty page would be wrong
            return await feed.query(page)
    if len(ids) < page.limit or page.ascending:
        ids = await _beyond_cache(services, feed=feed, page=page, cached_ids=ids)
    return ids


async def read_feed(services: Services, feed: Feed, page: Page) -> list[int]:
    """Status ids of one page of a cached feed, newest first (before the hot
    accounts' posts are merged): the store when it can, else the database."""
    try:
        return await _read_cached(services, feed=feed, page=page)
    except BackendUnavailable:
        # The timeline store (Redis) is down: answer from the database.
        return await feed.query(page)


# A page's ids and the cache values read with them (``read_feed_head``).
Head = tuple[list[int], dict[str, bytes]]


async def read_feed_head(
    services: Services, feed: Feed, page: Page, also: Sequence[str]
) -> Head | None:
    """``read_feed`` for a page from the top (no cursor), together with the
    cache values of ``also`` and of the page's status records, in one round
    trip where the deployment can (``services.heads``: one Redis server).
    None: read them the usual way (``read_feed``, then ``get_many``): no
    head reader, a cursor, the feed missing or being rebuilt, Redis
    failing."""
    heads = services.heads
    if heads is None or page.max_id is not None or page.lower is not None:
        return None
    if (id(services.timelines), feed.key) in _rebuilds:
        return None
    found = await heads.read(feed.key, page.limit, also, STATUS_PREFIX)
    if found is None:
        return None
    ids, cached = found
    if len(ids) < page.limit:
        # As read_feed does (nothing below a short head unless the cache is
        # smaller than a page); records it adds are read by the caller.
        try:
            ids = await _beyond_cache(services, feed=feed, page=page, cached_ids=ids)
        except BackendUnavailable:
            ids = await feed.query(page)
    return ids, cached


async def read_home_timeline(
    services: Services,
    *,
    viewer_id: int,
    page: Page,
    filters: FeedFilters,
) -> list[int]:
    """Status ids of one page of the viewer's home timeline, newest first.

    Warm: one store range read, the hot accounts' statuses from the cache,
    and no SQL. Cold: a rebuild first. Deleted or no-longer-visible ids may
    remain in the store; hydration drops them. ``filters``: the viewer's
    blocked and muted accounts and hot follows (load_feed_filters). While the
    store is unreachable the page is read from the database instead."""
    ids = await read_feed(services, home_feed(services, viewer_id), page)
    return await _with_hot_posts(services, viewer_id=viewer_id, page=page, ids=ids, filters=filters)


@dataclasses.dataclass(frozen=True, slots=True)
class HomePage:
    """One page of a home timeline as ``read_home_page`` read it."""

    ids: list[int]
    filters: FeedFilters
    # The records of the page's ids that were in the cache (and their bytes).
    known: Known


async def read_home_page(services: Services, *, viewer_id: int, page: Page) -> HomePage:
    """``load_feed_filters`` then ``read_home_timeline``, in one cache round
    trip fewer: the store's range first, then the viewer's feed filters
    together with the records of the ids found (rendering reads only the
    records it still misses: the hot accounts' statuses, reblogged
    originals, evicted records)."""
    feed = home_feed(services, viewer_id)
    filter_keys = feed_filter_keys(viewer_id)
    head = await read_feed_head(services, feed, page, filter_keys)
    if head is not None:
        ids, cached = head  # one round trip on Redis
    else:
        ids = await read_feed(services, feed, page)
        cached = await services.cache.get_many(
            [*filter_keys, *[STATUS_PREFIX + str(i) for i in ids]]
        )
    filters = await load_feed_filters(services, viewer_id, cached=cached)
    known = cached_statuses(ids, cached)
    ids = await _with_hot_posts(services, viewer_id=viewer_id, page=page, ids=ids, filters=filters)
    return HomePage(ids, filters, known)


async def _with_hot_posts(
    services: Services, *, viewer_id: int, page: Page, ids: list[int], filters: FeedFilters
) -> list[int]:
    hot = filters.hot
    if filters.exclusive:
        hot = {a: s for a, s in hot.items() if a not in filters.exclusive}
    return await merge_hot_posts(
        services,
        viewer_id=viewer_id,
        page=page,
        ids=ids,
        excluded=filters.excluded,
        hot=hot,
    )
