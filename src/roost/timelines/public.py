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
neither silenced nor suspended (one cached set,
``roost.accounts.moderated``, so a moderation needs no write to the lists)
nor among the viewer's blocked and muted accounts. ``any`` hashtags
(several lists) are read from the database.

Warm, a page costs the list and the status records (the caller reads the
moderated accounts along with the viewer's filters): no SQL.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import TYPE_CHECKING

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
    moderated: frozenset[int]  # silenced and suspended accounts
    only_media: bool = False
    replies: bool = True  # replies to other accounts (hashtag timelines)
    # The list's hashtag: an edit may have taken it off a status in the list.
    tag: str | None = None
    all_tags: frozenset[str] = frozenset()
    none_tags: frozenset[str] = frozenset()

    def admits(self, record: StatusRecord) -> bool:
        if record.visibility != PUBLIC or record.reblog_of_id is not None:
            return False
        author = record.account_id
        if author in self.excluded or author in self.moderated:
            return False
        if not self.replies and not (
            record.in_reply_to_id is None or record.in_reply_to_account_id == author
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

    def judge(self, records: dict[int, StatusRecord]) -> set[int]:
        return {i for i, r in records.items() if self.admits(r)}


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


async def read_public(
    services: Services,
    *,
    excluded: frozenset[int],
    moderated: frozenset[int],
    page: Page,
    only_media: bool = False,
) -> JudgedPage:
    """One page of the public timeline for a viewer whose blocked and muted
    accounts are ``excluded`` (``moderated``: ``load_moderated_ids``)."""
    wanted = Wanted(excluded, moderated, only_media=only_media, replies=False)

    async def fallback(page: Page) -> list[int]:
        return await listing.public_status_ids(
            services, excluded=excluded, page=page, only_media=only_media
        )

    return await read_judged(
        services, feed=public_feed(services), page=page, judge=wanted.judge, fallback=fallback
    )


async def read_tag(
    services: Services,
    *,
    tag: str,
    excluded: frozenset[int],
    moderated: frozenset[int],
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
        moderated,
        only_media=only_media,
        tag=main[0],
        all_tags=frozenset(listing.clean_names(all_tags)),
        none_tags=frozenset(listing.clean_names(none_tags)),
    )
    return await read_judged(
        services, feed=tag_feed(services, main[0]), page=page, judge=wanted.judge, fallback=fallback
    )
