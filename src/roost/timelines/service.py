"""Timeline use cases: which statuses make up one page, for one viewer.

Each returns a ``TimelineSlice``: the page's status ids, newest first, and
whose statuses rendering must leave out. The route renders it (statuses.wire
splices cached JSON fragments) and pages with the ids, so a page whose
statuses were all filtered out at rendering still lets the client move on."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from roost.accounts.moderated import load_moderated_ids
from roost.accounts.store import load_accounts
from roost.filters.matching import ContextFilters
from roost.filters.store import load_filters
from roost.kernel.cachekeys import account_key, excluded_key, filters_key, moderated_key
from roost.kernel.errors import NotFound
from roost.kernel.paging import Page
from roost.lists.store import load_list
from roost.relationships.store import load_excluded_ids, load_feed_filters, load_links
from roost.relationships.summary import summary_keys
from roost.statuses.hydrate import Known
from roost.statuses.pins import pinned_status_ids
from roost.timelines import listing
from roost.timelines.authored import authored_feed, read_authored
from roost.timelines.home import read_feed_head, read_home_page
from roost.timelines.list_feed import read_list_timeline
from roost.timelines.public import read_public, read_tag

if TYPE_CHECKING:
    from roost.services import Services


@dataclasses.dataclass(frozen=True, slots=True)
class TimelineSlice:
    """One page of a timeline before rendering.

    ``hidden_authors``: on feeds, the viewer's blocked and muted accounts
    (and those blocking the viewer), whose statuses and reblogs rendering
    drops; None on an account's own page, which shows despite a mute (its
    blocks are checked by the listing itself)."""

    ids: list[int]
    hidden_authors: frozenset[int] | None
    # The viewer's filters of the timeline's context (None: none apply).
    judge: ContextFilters | None = None
    # Status records (and their cached bytes) already read for this page,
    # by id: rendering does not read them again.
    known: Known | None = None


EMPTY = TimelineSlice([], None)


async def viewer_filters(
    services: Services,
    viewer_id: int | None,
    context: str,
    *,
    cached: Mapping[str, bytes] | None = None,
) -> ContextFilters | None:
    """The viewer's filters active in ``context`` (one cache read when warm,
    none when the caller read ``cached`` with the viewer's filters key)."""
    if viewer_id is None:
        return None
    return _active(ContextFilters(await load_filters(services, viewer_id, cached=cached), context))


def _only(cached: Mapping[str, bytes], key: str, item: int) -> dict[int, bytes]:
    """One cached value by id, for the loaders' ``cached`` (empty: a miss)."""
    raw = cached.get(key)
    return {} if raw is None else {item: raw}


def _active(found: ContextFilters) -> ContextFilters | None:
    return found if found else None


async def home_timeline(services: Services, *, viewer_id: int, page: Page) -> TimelineSlice:
    """A page of the viewer's home timeline. Statuses of accounts the viewer
    has blocked or muted since they were delivered are dropped here."""
    found = await read_home_page(services, viewer_id=viewer_id, page=page)
    filters = found.filters
    return TimelineSlice(
        found.ids,
        filters.excluded,
        _active(ContextFilters(filters.filters, "home")),
        known=found.known,
    )


async def list_timeline(
    services: Services, *, viewer_id: int, list_id: int, page: Page
) -> TimelineSlice:
    """A page of one of the viewer's lists (404 for another's list)."""
    record = await load_list(services, list_id)
    if record is None or record.owner_id != viewer_id:
        raise NotFound()
    filters = await load_feed_filters(services, viewer_id)
    ids = await read_list_timeline(services, record=record, page=page, filters=filters)
    return TimelineSlice(ids, filters.excluded, _active(ContextFilters(filters.filters, "home")))


async def account_timeline(
    services: Services,
    *,
    account_id: int,
    viewer_id: int | None,
    page: Page,
    only_media: bool = False,
    pinned: bool = False,
    exclude_replies: bool = False,
    exclude_reblogs: bool = False,
    tagged: str | None = None,
) -> TimelineSlice:
    """A page of one account's statuses as the viewer may see them; empty when
    the account blocks the viewer, 404 when it does not exist."""
    other = viewer_id is not None and viewer_id != account_id
    # One cache round trip for the account, the viewer's relation summary
    # and the viewer's filters; on one Redis server with the account's list
    # and its records too, when the list exists (read_feed_head: no rebuild
    # for an account that may not exist or may block the viewer, checked
    # below before the page is used).
    keys = [account_key(account_id)]
    if viewer_id is not None and other:
        keys += [*summary_keys(viewer_id), filters_key(viewer_id)]
    head = None
    if not (pinned or only_media or tagged is not None):
        head = await read_feed_head(services, authored_feed(services, account_id), page, keys)
    cached = head[1] if head is not None else await services.cache.get_many(keys)
    account = await load_accounts(services, [account_id], cached=_only(cached, keys[0], account_id))
    if account_id not in account:
        raise NotFound()
    follows = False
    if viewer_id is not None and other:
        links = await load_links(services, viewer_id, [account_id], cached=cached)
        if account_id in links.blocked_by:
            return EMPTY
        follows = account_id in links.following
    if pinned:
        # A handful at most, all on the first page, newest pin first
        # (rendering drops the hidden); a next page is empty.
        if page.max_id is not None or page.since_id is not None or page.min_id is not None:
            return EMPTY
        return TimelineSlice(await pinned_status_ids(services, account_id, limit=page.limit), None)
    known: Known | None = None
    if only_media or tagged is not None:
        # Rare filters: straight from the database.
        ids = await listing.account_status_ids(
            services,
            account_id=account_id,
            viewer_id=viewer_id,
            viewer_follows=follows,
            page=page,
            exclude_replies=exclude_replies,
            exclude_reblogs=exclude_reblogs,
            tagged=tagged,
            only_media=only_media,
        )
    else:
        found = await read_authored(
            services,
            account_id=account_id,
            viewer_id=viewer_id,
            viewer_follows=follows,
            page=page,
            exclude_replies=exclude_replies,
            exclude_reblogs=exclude_reblogs,
            head=head,
        )
        ids, known = found.ids, (found.records, found.blobs)
    judge = await viewer_filters(services, viewer_id, "account", cached=cached) if other else None
    return TimelineSlice(ids, None, judge, known)


async def _public_context(
    services: Services, viewer_id: int | None
) -> tuple[frozenset[int], frozenset[int], ContextFilters | None]:
    """The viewer's blocked and muted accounts, the moderated accounts and
    the viewer's public filters, read in one cache round trip."""
    if viewer_id is None:
        cached = await services.cache.get_many([moderated_key()])
        return frozenset(), await load_moderated_ids(services, cached=cached), None
    keys = [moderated_key(), filters_key(viewer_id), excluded_key(viewer_id)]
    cached = await services.cache.get_many(keys)
    excluded = await load_excluded_ids(services, viewer_id, cached=cached)
    moderated = await load_moderated_ids(services, cached=cached)
    return excluded, moderated, await viewer_filters(services, viewer_id, "public", cached=cached)


async def public_timeline(
    services: Services,
    *,
    viewer_id: int | None,
    page: Page,
    remote: bool = False,
    only_media: bool = False,
) -> TimelineSlice:
    """A page of the public timeline (every account is local here, so
    ``local`` changes nothing and ``remote`` selects nothing), from the
    public list in the timeline store (``roost.timelines.public``)."""
    if remote:
        return EMPTY
    excluded, moderated, judge = await _public_context(services, viewer_id)
    found = await read_public(
        services, excluded=excluded, moderated=moderated, page=page, only_media=only_media
    )
    return TimelineSlice(found.ids, excluded, judge, (found.records, found.blobs))


async def tag_timeline(
    services: Services,
    *,
    tag: str,
    viewer_id: int | None,
    page: Page,
    any_tags: Sequence[str] = (),
    all_tags: Sequence[str] = (),
    none_tags: Sequence[str] = (),
    remote: bool = False,
    only_media: bool = False,
) -> TimelineSlice:
    """A page of public statuses with a hashtag (and the any/all/none
    filters), from the hashtag's list in the timeline store."""
    if remote:
        return EMPTY
    excluded, moderated, judge = await _public_context(services, viewer_id)
    found = await read_tag(
        services,
        tag=tag,
        any_tags=any_tags,
        all_tags=all_tags,
        none_tags=none_tags,
        excluded=excluded,
        moderated=moderated,
        page=page,
        only_media=only_media,
    )
    return TimelineSlice(found.ids, excluded, judge, (found.records, found.blobs))
