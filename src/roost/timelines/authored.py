"""The user timeline (``/api/v1/accounts/:id/statuses``) from the author's
own list in the timeline store.

``authored:<account>`` holds the ids of every status and reblog the account
posted, any visibility, newest first and capped at ``home_timeline_length``
(written right after each commit by ``roost.statuses.authored`` and again by
the fan-out and un-fan-out jobs; rebuilt from the database on a miss, paged
past its floor from the database: the same ``Feed`` reading as home
timelines, ``roost.timelines.home``).

A page is read from the list, the status records of its ids are read from
the cache (one round trip) and each is judged for the viewer with the
visibility rule of hydration (``statuses.visibility.may_see``: the owner
sees everything, followers also private statuses, mentioned accounts the
private and direct statuses that mention them) and the ``exclude_replies``
and ``exclude_reblogs`` filters. When some are left out (or deleted) the
next ids are read, up to ``STEPS`` times; past that the page is read from
the database. The records read travel with the page to rendering, which so
reads them only once. The rarer filters (``only_media``, ``tagged``) are
read from the database as before.

Warm, a page costs two round trips (list, records) and no SQL, where the
database query it replaces (visibility, mentions sub-select) cost a few
milliseconds on SQLite.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from roost.kernel.cachekeys import authored_key
from roost.kernel.paging import Page
from roost.statuses.records import StatusRecord
from roost.statuses.visibility import ViewerState, may_see
from roost.timelines import judged, listing
from roost.timelines.home import Feed, Head
from roost.timelines.judged import JudgedPage, read_judged

if TYPE_CHECKING:
    from roost.services import Services

# Reads of the list per page before the database answers it instead (an
# account whose recent statuses are mostly hidden from this viewer).
STEPS = judged.STEPS


# A page of an account's statuses, with the records read on the way.
AuthoredPage = JudgedPage


def authored_feed(services: Services, account_id: int) -> Feed:
    """The account's own list; its query (a rebuild, pages below the list's
    floor) is every status of the account, as its owner sees them."""

    async def query(page: Page) -> list[int]:
        return await listing.account_status_ids(
            services,
            account_id=account_id,
            viewer_id=account_id,
            viewer_follows=True,
            page=page,
            # A replica behind the primary would leave out a status posted
            # before the list was marked, for as long as the list is kept.
            primary=True,
        )

    return Feed(authored_key(account_id), query)


def _admits(
    record: StatusRecord,
    *,
    account_id: int,
    state: ViewerState,
    exclude_replies: bool,
    exclude_reblogs: bool,
) -> bool:
    if record.account_id != account_id or not may_see(record, state):
        return False
    if exclude_reblogs and record.reblog_of_id is not None:
        return False
    # Top-level statuses and self-replies (threads) stay.
    return not (
        exclude_replies
        and record.in_reply_to_id is not None
        and record.in_reply_to_account_id != account_id
    )


async def read_authored(
    services: Services,
    *,
    account_id: int,
    viewer_id: int | None,
    viewer_follows: bool,
    page: Page,
    exclude_replies: bool = False,
    exclude_reblogs: bool = False,
    head: Head | None = None,
) -> AuthoredPage:
    """One page of the account's statuses that the viewer may see
    (``head``: the caller's ``read_feed_head`` of the page, if any)."""
    feed = authored_feed(services, account_id)
    following = frozenset((account_id,)) if viewer_follows else frozenset()
    state = ViewerState(viewer_id=viewer_id, following=following)

    def judge(found: dict[int, StatusRecord]) -> set[int]:
        return {
            i
            for i, r in found.items()
            if _admits(
                r,
                account_id=account_id,
                state=state,
                exclude_replies=exclude_replies,
                exclude_reblogs=exclude_reblogs,
            )
        }

    async def fallback(at: Page) -> list[int]:
        return await listing.account_status_ids(
            services,
            account_id=account_id,
            viewer_id=viewer_id,
            viewer_follows=viewer_follows,
            page=at,
            exclude_replies=exclude_replies,
            exclude_reblogs=exclude_reblogs,
        )

    return await read_judged(
        services, feed=feed, page=page, judge=judge, fallback=fallback, head=head
    )
