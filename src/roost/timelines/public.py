"""The public timeline and hashtag timelines from lists in the timeline
store, with the database only for what the lists cannot answer.

``ptl:public`` holds the ids of public originals that are not replies to
another account, of every author; ``ttl:<tag>`` those of public originals
with that hashtag (``roost.statuses.public_lists`` decides and pushes at
posting and editing, the fan-out job again; the un-fan-out job removes a
deleted status). Both are capped at ``home_timeline_length``, rebuilt from
the primary database on a miss (a replica could leave out a committed
status for as long as the list is kept) and paged past their floor from the
database, as home timelines (``roost.timelines.home``).

The lists are a superset of what a viewer is shown: every page is judged
again by the status records with the rules of the SQL queries they replace
(``roost.timelines.listing``): public and not a reblog, not a reply to
others (public timeline), the hashtags wanted, ``only_media``, authors
neither silenced nor suspended (from their cached account records, so a
moderation needs no write to the lists) nor among the viewer's blocked and
muted accounts. ``any`` hashtags (several lists) are read from the database.

Warm, a page costs the list, the status records and the authors' records:
three cache round trips and no SQL.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import TYPE_CHECKING

from roost.accounts.store import load_accounts
from roost.kernel.cachekeys import public_timeline_key, tag_timeline_key
from roost.kernel.paging import Page
from roost.statuses.records import PUBLIC, StatusRecord
from roost.timelines import listing
from roost.timelines.home import Feed
from roost.timelines.judged import JudgedPage, read_judged

if TYPE_CHECKING:
    from roost.services import Services

_NONE: frozenset[int] = frozenset()


@dataclasses.dataclass(frozen=True, slots=True)
class Wanted:
    """What a public or hashtag page keeps of its list's statuses."""

    excluded: frozenset[int]  # the viewer's blocked and muted accounts
    only_media: bool = False
    replies: bool = True  # replies to other accounts (hashtag timelines)
    # The list's hashtag: an edit may have taken it off a status in the list.
    tag: str | None = None
    all_tags: frozenset[str] = frozenset()
    none_tags: frozenset[str] = frozenset()

    def admits(self, record: StatusRecord) -> bool:
        """The record-level rules (moderation is judged per author)."""
        if record.visibility != PUBLIC or record.reblog_of_id is not None:
            return False
        if record.account_id in self.excluded:
            return False
        if not self.replies and not (
            record.in_reply_to_id is None or record.in_reply_to_account_id == record.account_id
        ):
            return False
        if self.only_media and not record.media:
            return False
        tags = record.tags
        if self.tag is not None and self.tag not in tags:
            return False
        if self.all_tags and not self.all_tags.issubset(tags):
            return False
        return not (self.none_tags and not self.none_tags.isdisjoint(tags))


def public_feed(services: Services) -> Feed:
    """The public list; its query (a rebuild, pages below the floor) keeps
    moderated authors, which the readers leave out."""

    async def query(page: Page) -> list[int]:
        return await listing.public_status_ids(
            services, excluded=_NONE, page=page, keep_moderated=True, primary=True
        )

    return Feed(public_timeline_key(), query)


def tag_feed(services: Services, name: str) -> Feed:
    """One hashtag's list (``name``: its stored form)."""

    async def query(page: Page) -> list[int]:
        return await listing.tag_status_ids(
            services, tag=name, excluded=_NONE, page=page, keep_moderated=True, primary=True
        )

    return Feed(tag_timeline_key(name), query)


async def _judge(services: Services, wanted: Wanted, records: dict[int, StatusRecord]) -> set[int]:
    candidates = {i: r for i, r in records.items() if wanted.admits(r)}
    if not candidates:
        return set()
    authors = await load_accounts(services, {r.account_id for r in candidates.values()})
    # An author without a record is left to rendering, as the SQL query does.
    return {
        i
        for i, r in candidates.items()
        if (a := authors.get(r.account_id)) is None or not (a.silenced or a.suspended)
    }


async def read_public(
    services: Services, *, excluded: frozenset[int], page: Page, only_media: bool = False
) -> JudgedPage:
    """One page of the public timeline for a viewer whose blocked and muted
    accounts are ``excluded``."""
    wanted = Wanted(excluded, only_media=only_media, replies=False)

    async def judge(records: dict[int, StatusRecord]) -> set[int]:
        return await _judge(services, wanted, records)

    async def fallback(page: Page) -> list[int]:
        return await listing.public_status_ids(
            services, excluded=excluded, page=page, only_media=only_media
        )

    return await read_judged(
        services, feed=public_feed(services), page=page, judge=judge, fallback=fallback
    )


async def read_tag(
    services: Services,
    *,
    tag: str,
    excluded: frozenset[int],
    page: Page,
    any_tags: Sequence[str] = (),
    all_tags: Sequence[str] = (),
    none_tags: Sequence[str] = (),
    only_media: bool = False,
) -> JudgedPage:
    """One page of a hashtag timeline (``listing.tag_status_ids``'s rules)."""

    async def fallback(page: Page) -> list[int]:
        return await listing.tag_status_ids(
            services,
            tag=tag,
            any_tags=any_tags,
            all_tags=all_tags,
            none_tags=none_tags,
            excluded=excluded,
            page=page,
            only_media=only_media,
        )

    main = listing.clean_names([tag])
    if not main or set(listing.clean_names(any_tags)) - set(main):
        # No list to read, or several (``any``): the database answers.
        return JudgedPage(await fallback(page), {}, {})
    wanted = Wanted(
        excluded,
        only_media=only_media,
        tag=main[0],
        all_tags=frozenset(listing.clean_names(all_tags)),
        none_tags=frozenset(listing.clean_names(none_tags)),
    )

    async def judge(records: dict[int, StatusRecord]) -> set[int]:
        return await _judge(services, wanted, records)

    return await read_judged(
        services, feed=tag_feed(services, main[0]), page=page, judge=judge, fallback=fallback
    )
