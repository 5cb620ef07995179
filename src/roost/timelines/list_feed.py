"""List timelines: read like the home timeline (``home.read_feed``: the
store, rebuilt from the database when missing), with the posts of hot
members merged at read time under the list's rule.

A warm read is cache reads only: the list (owner, policy, members), the
viewer's feed filters, one range of the store and the hot members' posts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from roost.kernel.cachekeys import list_timeline_key
from roost.kernel.paging import Page
from roost.lists.store import ListRecord
from roost.relationships.store import FeedFilters
from roost.timelines.filters import ReceiverView, StatusFacts, admits_list
from roost.timelines.home import Feed, read_feed
from roost.timelines.hot import merge_hot_posts
from roost.timelines.list_query import query_list_ids

if TYPE_CHECKING:
    from roost.services import Services


def list_feed(services: Services, record: ListRecord) -> Feed:
    async def query(page: Page) -> list[int]:
        return await query_list_ids(services, record=record, page=page)

    return Feed(list_timeline_key(record.id), query)


async def read_list_timeline(
    services: Services, *, record: ListRecord, page: Page, filters: FeedFilters
) -> list[int]:
    """Status ids of one page of a list's timeline, newest first. Deleted or
    no-longer-visible ids may remain in the store; hydration drops them."""
    ids = await read_feed(services, list_feed(services, record), page)
    members = set(record.members)
    hot = {a: shows for a, shows in filters.hot.items() if a in members}
    if not hot:
        return ids

    def admit(status: StatusFacts, view: ReceiverView) -> bool:
        return admits_list(
            status,
            view,
            replies_policy=record.replies_policy,
            reply_to_in_list=status.in_reply_to_account_id in members,
        )

    return await merge_hot_posts(
        services,
        viewer_id=record.owner_id,
        page=page,
        ids=ids,
        excluded=filters.excluded,
        hot=hot,
        admit=admit,
    )
