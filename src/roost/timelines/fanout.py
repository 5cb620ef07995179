"""Fan-out on write: the background jobs that keep home timelines current.

``fanout_status`` pushes a new status id into the home timeline of its
author and of every follower who should get it (``filters.admits_home``),
followers read in batches of ``settings.fanout_batch_size`` by follows.id.
After each full batch the job checkpoints ``after`` (the last follows.id
done), so a worker that dies mid-way resumes with the next batch; pushing
twice is harmless since timelines ignore duplicates. Only timelines that
exist are written: a missing one is rebuilt from the database on its next
read, which then includes the status.

Lists are fan-out targets too: with each batch, the lists of its followers
that hold the author (``lists.store.lists_holding``: one indexed query) get
the status under ``filters.admits_list``, and the owners of exclusive lists
holding the author leave it out of their home timeline. Only list
timelines that exist are written, as for home.

The statuses of hot accounts (``settings.hot_user_threshold`` followers or
more) are not fanned out but merged into home timelines when they are read
(see ``roost.timelines.hot``); their job only refreshes the hot-post cache.

A post's job also makes its notifications (``notify`` in the payload:
one job per post), and consecutive ``fanout_status`` jobs a worker claimed
run together through ``roost.timelines.fanout_batch``, which leaves to
``fanout_status`` here what it cannot take (direct, hot, large, resumed)
and the hashtag followers' part.

``unfanout_status`` removes a deleted status the same way;
``timeline_follow`` and ``timeline_unfollow`` merge or remove one account's
statuses after a follow, unfollow, block or mute.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.conversations.store import record_direct
from roost.db import schema
from roost.infra.metrics import FANOUT_DELIVERIES
from roost.jobs.runner import Job, JobHandler
from roost.kernel.cachekeys import (
    authored_key,
    home_key,
    list_timeline_key,
    public_timeline_key,
    tag_timeline_key,
)
from roost.kernel.paging import Page
from roost.lists.store import forget_lists, lists_holding, lists_of_members, members_among
from roost.notifications.jobs import notify_new_statuses
from roost.relationships.followers import FollowerPages
from roost.relationships.graph import (
    FollowerRow,
    exclusions_among,
    exclusions_of,
    follower_page,
    following_map,
    follows_among,
)
from roost.relationships.store import forget_relationships, load_excluded_ids
from roost.search.tag_followers import tag_follower_page
from roost.statuses.outbox import FANOUT_STATUS
from roost.statuses.public_lists import public_list_keys
from roost.statuses.records import DIRECT, PUBLIC
from roost.streaming.events import (
    STATUS_UPDATE,
    direct_channel,
    list_channel,
    publish,
    user_channel,
)
from roost.timelines.admission import admit_receivers, lists_asking_membership
from roost.timelines.filters import (
    ReceiverView,
    StatusFacts,
    admits_home,
    facts_from_rows,
    facts_query,
    followed_accounts_that_matter,
    involved_accounts,
    load_status_facts,
)
from roost.timelines.hot import forget_hot_posts, is_hot, refresh_hot_posts
from roost.timelines.live import (
    announce_deletion,
    announce_direct,
    announce_status,
    broadcast_channels,
    deletion_channels,
    tag_names,
)

if TYPE_CHECKING:
    from roost.services import Services

# How many of a newly followed account's latest statuses join the timeline.
FOLLOW_MERGE_LIMIT = 40

_s, _mentions = schema.statuses, schema.mentions


async def _mentioned_ids(conn: AsyncConnection, status_id: int) -> list[int]:
    rows = (
        await conn.execute(
            sa.select(_mentions.c.account_id).where(_mentions.c.status_id == status_id)
        )
    ).all()
    return [int(r[0]) for r in rows]


async def _admitted_followers(
    conn: AsyncConnection, status: StatusFacts, batch: list[FollowerRow]
) -> tuple[list[int], list[int]]:
    """(home timelines, list timelines) of one batch of followers that get
    ``status``: a fixed number of queries whatever the batch size."""
    receivers = {f.account_id: f.show_reblogs for f in batch if f.account_id != status.account_id}
    ids = list(receivers)
    follows = await follows_among(conn, ids, followed_accounts_that_matter(status))
    # Blocks, mutes and lists asked from the author's side (indexed), not
    # with the batch's ids: the receivers' pairs are kept below.
    exclusions = await exclusions_of(conn, involved_accounts(status))
    targets = [
        t for _, t in await lists_of_members(conn, [status.account_id]) if t.owner_id in receivers
    ]
    asking = lists_asking_membership(status, targets)
    in_list = await members_among(conn, asking, status.in_reply_to_account_id or 0)
    return admit_receivers(status, receivers, follows, exclusions, targets, in_list)


async def _deliver_direct(services: Services, status: StatusFacts) -> None:
    async with services.db.read(primary=True) as conn:
        mentioned = [m for m in await _mentioned_ids(conn, status.id) if m != status.account_id]
        if not mentioned:
            return
        exclusions = await exclusions_among(conn, mentioned, [status.account_id])
    blocked = {receiver for receiver, _ in exclusions}
    receivers = [m for m in mentioned if m not in blocked]
    await record_direct(
        services, status_id=status.id, author_id=status.account_id, receivers=receivers
    )
    await services.timelines.push([home_key(m) for m in receivers], status.id)
    FANOUT_DELIVERIES.inc(len(receivers))
    await announce_direct(services, status, receivers)


async def fanout_status(job: Job) -> None:
    """Deliver a new status to the home timelines that should show it: the
    author's followers (or, for a hot author, the hot-post cache), then the
    followers of its hashtags. The payload's ``phase`` says which part a
    resumed job is in. With ``notify`` in the payload (the jobs of posts
    since one job per post), its notifications are made once the followers
    have it (live events in the order of the two jobs this replaced), before
    the hashtag followers' phase: a job resumed in that phase has made them,
    and one resumed earlier makes them then (a repeat is ignored by their
    unique key)."""
    services = job.services
    status_id = int(job.payload["status_id"])
    tags: dict[int, str] = {}
    async with services.db.read(primary=True) as conn:
        status = await load_status_facts(conn, status_id)
        # Hashtags matter to public originals only (their streams and
        # followers): read once, on the same connection.
        if status is not None and status.visibility == PUBLIC and status.reblog_of_id is None:
            tags = await _tags_of(conn, status_id)
    if status is None:
        return  # deleted before delivery: nothing to do
    if job.payload.get("phase") != "tags":
        # The author's own list too (posting pushed it already unless Redis
        # was unreachable then: roost.statuses.authored).
        # And the public and hashtag lists (roost.statuses.public_lists).
        await services.timelines.push(
            [
                home_key(status.account_id),
                authored_key(status.account_id),
                *public_keys_of(status, tags.values()),
            ],
            status.id,
        )
        FANOUT_DELIVERIES.inc()
        if status.visibility == DIRECT:
            await _deliver_direct(services, status)
        else:
            await _deliver_to_followers(job, status, list(tags.values()))
        if job.payload.get("notify"):
            await notify_new_statuses(services, [status_id])
        if status.visibility == DIRECT:
            return
    if tags:  # no hashtag, no hashtag followers to look up
        await _deliver_to_tag_followers(job, status, sorted(tags))


def public_keys_of(status: StatusFacts, tags: Iterable[str]) -> list[str]:
    """The public and hashtag lists ``status`` belongs in."""
    return public_list_keys(
        account_id=status.account_id,
        visibility=status.visibility,
        reblog_of_id=status.reblog_of_id,
        in_reply_to_account_id=status.in_reply_to_account_id,
        tags=tags,
    )


def resumed(job: Job) -> bool:
    """The job checkpointed in an earlier run (or a batch did its first part):
    not for the batch path."""
    return "after" in job.payload or "phase" in job.payload


async def _tags_of(conn: AsyncConnection, status_id: int) -> dict[int, str]:
    """Id -> name of a status's hashtags."""
    st, t = schema.status_tags, schema.tags
    rows = await conn.execute(
        sa.select(t.c.id, t.c.name)
        .join(st, st.c.tag_id == t.c.id)
        .where(st.c.status_id == status_id)
    )
    return {int(r.id): str(r.name) for r in rows}


async def _deliver_to_followers(job: Job, status: StatusFacts, tags: list[str]) -> None:
    services = job.services
    hot = await is_hot(services, status.account_id)
    if hot:
        await refresh_hot_posts(services, status.account_id)
    after = int(job.payload.get("after", 0))
    if after == 0:  # not when resuming: the first run announced it already
        await announce_status(services, status.id, broadcast_channels(status, tags, hot=hot))
    if hot:
        return
    batch_size = max(1, services.settings.fanout_batch_size)
    pages = FollowerPages(services, status.account_id)
    while True:
        async with services.db.read(primary=True) as conn:
            batch = await pages.page(conn, after=after, limit=batch_size)
            receivers, lists = await _admitted_followers(conn, status, batch) if batch else ([], [])
        if receivers:
            await services.timelines.push([home_key(r) for r in receivers], status.id)
            FANOUT_DELIVERIES.inc(len(receivers))
            await announce_status(services, status.id, map(user_channel, receivers))
        if lists:
            await services.timelines.push([list_timeline_key(i) for i in lists], status.id)
            FANOUT_DELIVERIES.inc(len(lists))
            await announce_status(services, status.id, map(list_channel, lists))
        if len(batch) < batch_size:
            return
        after = batch[-1].follow_id
        await job.checkpoint(after=after)


async def announce_status_edit(job: Job) -> None:
    """``status.update`` of an edited status to the streams its ``update``
    went to: the author's, the mentioned accounts' (direct), the public and
    hashtag streams, a hot author's channel, and the admitted followers'
    user streams. Timelines hold ids: nothing else to do."""
    services = job.services
    status_id = int(job.payload["status_id"])
    async with services.db.read(primary=True) as conn:
        status = await load_status_facts(conn, status_id)
        tags = await tag_names(conn, status_id) if status is not None else []
        mentioned = await _mentioned_ids(conn, status_id) if status is not None else []
    if status is None:
        return
    # A hashtag the edit added: the status joins its list (done after the
    # commit already unless Redis was unreachable then).
    await services.timelines.push(public_keys_of(status, tags), status_id)
    if status.visibility == DIRECT:
        people = [status.account_id, *(m for m in mentioned if m != status.account_id)]
        channels = [direct_channel(p) for p in people] + [user_channel(p) for p in people]
        await publish(services, STATUS_UPDATE, status_id, channels)
        return
    hot = await is_hot(services, status.account_id)
    after = int(job.payload.get("after", 0))
    if after == 0:
        channels = broadcast_channels(status, tags, hot=hot)
        await publish(services, STATUS_UPDATE, status_id, channels)
    if hot:
        return
    batch_size = max(1, services.settings.fanout_batch_size)
    pages = FollowerPages(services, status.account_id)
    while True:
        async with services.db.read(primary=True) as conn:
            batch = await pages.page(conn, after=after, limit=batch_size)
            receivers, lists = await _admitted_followers(conn, status, batch) if batch else ([], [])
        channels = [user_channel(r) for r in receivers] + [list_channel(i) for i in lists]
        if channels:
            await publish(services, STATUS_UPDATE, status_id, channels)
        if len(batch) < batch_size:
            return
        after = batch[-1].follow_id
        await job.checkpoint(after=after)


async def _deliver_to_tag_followers(job: Job, status: StatusFacts, tags: list[int]) -> None:
    """Mastodon 4's followed hashtags: a public original status reaches the
    home timeline of everyone following one of its tags, except those who
    block or mute its author or are blocked by it. In batches by
    tag_follows.id, checkpointed like the followers' batches (``tags``: the
    status's tag ids; a tag with no followers costs one query and no
    checkpoint, and the caller skips a status without tags)."""
    services = job.services
    after = int(job.payload.get("tag_after", 0))
    batch_size = max(1, services.settings.fanout_batch_size)
    while True:
        async with services.db.read(primary=True) as conn:
            batch = await tag_follower_page(conn, tags, after=after, limit=batch_size)
            receivers = sorted({a for _, a in batch if a != status.account_id})
            excluded = (
                {r for r, _ in await exclusions_of(conn, [status.account_id])}
                if receivers
                else set()
            )
        admitted = [r for r in receivers if r not in excluded]
        if admitted:
            await services.timelines.push([home_key(r) for r in admitted], status.id)
            FANOUT_DELIVERIES.inc(len(admitted))
            await announce_status(services, status.id, map(user_channel, admitted))
        if len(batch) < batch_size:
            return
        after = batch[-1][0]
        await job.checkpoint(phase="tags", tag_after=after)


async def unfanout_status(job: Job) -> None:
    """Take a deleted status out of every home timeline it may be in: the
    author's, the followers' and (when the payload lists them) the mentioned
    accounts' and the followers of its hashtags (``tag_ids``). The status
    row is gone, so the payload carries the author."""
    payload = job.payload
    status_id = int(payload["status_id"])
    author_id = int(payload["author_id"])
    if payload.get("phase") != "tags":
        await _remove_from_followers(job, status_id, author_id)
    tag_ids = [int(t) for t in payload.get("tag_ids", [])]
    if tag_ids:
        await _remove_from_tag_followers(job, status_id, tag_ids)


async def _public_keys_of_deleted(services: Services, payload: dict[str, Any]) -> list[str]:
    """The public list and the lists of the deleted status's hashtags (the
    payload names them by id; the tags rows outlive their statuses). An id
    left behind would only be skipped by the readers: its record is gone."""
    tag_ids = [int(t) for t in payload.get("tag_ids", [])]
    if not tag_ids:
        return [public_timeline_key()]
    t = schema.tags
    async with services.db.read(primary=True) as conn:
        rows = await conn.execute(sa.select(t.c.name).where(t.c.id.in_(tag_ids)))
        names = [str(r[0]) for r in rows]
    return [public_timeline_key(), *(tag_timeline_key(n) for n in names)]


async def _remove_from_followers(job: Job, status_id: int, author_id: int) -> None:
    services = job.services
    payload = job.payload
    mentioned = [int(m) for m in payload.get("mentioned_account_ids", [])]
    await services.timelines.remove_everywhere(
        [
            home_key(author_id),
            authored_key(author_id),
            *(home_key(m) for m in mentioned),
            *await _public_keys_of_deleted(services, payload),
        ],
        status_id,
    )
    if "after" not in payload:
        await announce_deletion(services, status_id, deletion_channels(author_id, mentioned))
    if await is_hot(services, author_id):
        # Merged at read time, not pushed. (An id pushed before the account
        # became hot stays behind; hydration drops ids of deleted statuses.)
        await forget_hot_posts(services, author_id)
        return
    after = int(payload.get("after", 0))
    batch_size = max(1, services.settings.fanout_batch_size)
    while True:
        async with services.db.read(primary=True) as conn:
            batch = await follower_page(conn, author_id, after=after, limit=batch_size)
            lists = [
                t.id for t in await lists_holding(conn, author_id, [f.account_id for f in batch])
            ]
        if batch:
            await services.timelines.remove_everywhere(
                [home_key(f.account_id) for f in batch] + [list_timeline_key(i) for i in lists],
                status_id,
            )
            await announce_deletion(
                services,
                status_id,
                [user_channel(f.account_id) for f in batch] + [list_channel(i) for i in lists],
            )
        if len(batch) < batch_size:
            return
        after = batch[-1].follow_id
        await job.checkpoint(after=after)


async def _remove_from_tag_followers(job: Job, status_id: int, tag_ids: list[int]) -> None:
    """The followers of the deleted status's hashtags, in batches like the
    delivery (the status_tags rows are gone: the payload names the tags)."""
    services = job.services
    after = int(job.payload.get("tag_after", 0))
    batch_size = max(1, services.settings.fanout_batch_size)
    while True:
        async with services.db.read(primary=True) as conn:
            batch = await tag_follower_page(conn, tag_ids, after=after, limit=batch_size)
        receivers = sorted({a for _, a in batch})
        if receivers:
            await services.timelines.remove_everywhere([home_key(r) for r in receivers], status_id)
            await announce_deletion(services, status_id, map(user_channel, receivers))
        if len(batch) < batch_size:
            return
        after = batch[-1][0]
        await job.checkpoint(phase="tags", tag_after=after)


async def _forget_again(services: Services, account_id: int, target_id: int) -> None:
    """Drop the pair's cached relationship a second time, well after the
    commit: a reader that loaded it from the database just before the change
    may have written the old state back after the relationships service
    dropped it. Reads decide private statuses' visibility with it, so an
    unfollow or block must not linger there until the TTL."""
    await forget_relationships(services, account_id, target_id)


async def merge_followed_account(job: Job) -> None:
    """After a follow (or an unmute): bring the followed account's latest
    statuses into the follower's home timeline, if that timeline is cached."""
    services = job.services
    account_id = int(job.payload["account_id"])
    target_id = int(job.payload["target_account_id"])
    await _forget_again(services, account_id, target_id)
    key = home_key(account_id)
    if await services.timelines.range(key, Page(limit=1)) is None:
        return  # not cached: the rebuild on the next read includes them
    excluded = await load_excluded_ids(services, account_id)
    async with services.db.read(primary=True) as conn:
        following = await following_map(conn, account_id)
        if target_id not in following:
            return  # unfollowed again meanwhile
        query = (
            facts_query()
            .where(_s.c.account_id == target_id, _s.c.visibility < DIRECT)
            .order_by(_s.c.id.desc())
            .limit(FOLLOW_MERGE_LIMIT)
        )
        recent = facts_from_rows((await conn.execute(query)).all())
    view = ReceiverView(account_id, following, excluded)
    for status in recent:
        if admits_home(status, view):
            # push, not merge: it never creates a timeline evicted meanwhile,
            # which would then look complete while holding only these ids.
            await services.timelines.push([key], status.id)


async def remove_unfollowed_account(job: Job) -> None:
    """After an unfollow, block or mute: take the account's statuses (its
    posts and its reblogs) out of the home timeline. An unfollow also took
    the account out of the follower's lists (``list_ids`` in the payload):
    their cached records and timelines are dropped (rebuilt without it)."""
    services = job.services
    account_id = int(job.payload["account_id"])
    target_id = int(job.payload["target_account_id"])
    await _forget_again(services, account_id, target_id)
    left = [int(i) for i in job.payload.get("list_ids", [])]
    if left:
        await forget_lists(services, account_id, left)
        for list_id in left:
            await services.timelines.drop(list_timeline_key(list_id))
    key = home_key(account_id)
    oldest = await services.timelines.range(key, Page(min_id=0, limit=1))
    if not oldest:
        return  # not cached or empty
    async with services.db.read(primary=True) as conn:
        still_wanted = await follows_among(conn, [account_id], [target_id])
        if still_wanted and not await exclusions_among(conn, [account_id], [target_id]):
            return  # followed again (and not muted) since: keep them
        rows = (
            await conn.execute(
                sa.select(_s.c.id).where(_s.c.account_id == target_id, _s.c.id >= oldest[0])
            )
        ).all()
    if rows:
        await services.timelines.remove(key, [int(r[0]) for r in rows])


JOB_HANDLERS: dict[str, JobHandler] = {
    FANOUT_STATUS: fanout_status,
    "unfanout_status": unfanout_status,
    "announce_status_edit": announce_status_edit,
    "timeline_follow": merge_followed_account,
    "timeline_unfollow": remove_unfollowed_account,
}
