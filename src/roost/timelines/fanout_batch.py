"""Fan-out of several new statuses in one go: the batch handler of
``fanout_status`` (see ``roost.jobs.runner.BatchHandler``).

A worker claims jobs in batches; run one by one, each post's fan-out costs
its own reads (the status, its followers, their follows, blocks and lists,
its notifications), its own timeline push and its own publish. Together,
the statuses of a batch share them: one query of each kind for all, one
``push_pairs`` for every (timeline, status), one publish of every live
event, and the runner deletes the finished jobs in one statement.

What the batch takes: fresh jobs (never checkpointed) of statuses that are
not direct, by authors that are not hot and have fewer followers than
``settings.fanout_batch_size`` (so that all of them are read at once, with
no checkpoint needed). The rest is left to the one-job handler
(``fanout.fanout_status``): direct statuses (conversations), hot authors,
large audiences, resumed jobs. The followers of the statuses' hashtags
are done by the batch too, one query for all, unless there are more of
them than ``settings.fanout_batch_size``: then the statuses with hashtags
are left to the one-job handler for that part only, after the batch did
their followers and notifications (marked ``phase: tags`` in memory: a
crash before that part persists nothing, and the job then runs whole
again).

The authors' followers come from their cached lists when these are still
exact (``relationships.followers``: checked against the followers version
read from the database with the statuses). Blocks, mutes and list
memberships are read from the authors' side
(``relationships.graph.exclusions_of``, ``lists.store.lists_of_members``:
indexed by the author), so no query carries the list of the receivers.

Delivery decisions are those of the one-job path (``timelines.admission``),
and every effect is idempotent: timelines ignore an id they hold,
notifications have a unique key, and a batch that fails is run again job
by job by the runner.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.db import schema
from roost.infra.metrics import FANOUT_DELIVERIES
from roost.jobs.runner import BatchHandler, Job
from roost.kernel.cachekeys import authored_key, home_key, list_timeline_key
from roost.lists.store import ListTarget, lists_of_members, members_among
from roost.notifications.jobs import notify_new_statuses
from roost.relationships.followers import follower_versions, load_followers
from roost.relationships.graph import exclusions_of, follows_among
from roost.search.tag_followers import tag_followers
from roost.statuses.outbox import FANOUT_STATUS
from roost.statuses.records import DIRECT, PUBLIC
from roost.streaming.events import UPDATE, list_channel, publish_each, user_channel
from roost.timelines.admission import admit_receivers, lists_asking_membership
from roost.timelines.fanout import public_keys_of, resumed
from roost.timelines.filters import (
    StatusFacts,
    followed_accounts_that_matter,
    involved_accounts,
    load_many_facts,
)
from roost.timelines.live import broadcast_channels

if TYPE_CHECKING:
    from roost.services import Services

# A hashtag of a status: (tags.id, name).
Tag = tuple[int, str]

# Timelines per push_pairs call: keeps one script call's arguments bounded.
PUSH_CHUNK = 4096


async def fanout_statuses(jobs: list[Job]) -> list[Job]:
    """Deliver the statuses of ``jobs`` together; returns the jobs left to
    the one-job handler (see the module doc)."""
    services = jobs[0].services
    fresh = {int(j.payload["status_id"]): j for j in jobs if not resumed(j)}
    left = [j for j in jobs if resumed(j)]
    async with services.db.read(primary=True) as conn:
        facts = await load_many_facts(conn, list(fresh))
        # Jobs of statuses deleted meanwhile are done: nothing to deliver.
        statuses = [facts[i] for i in fresh if i in facts]
        authors = await follower_versions(conn, sorted({s.account_id for s in statuses}))
    limit = min(services.settings.hot_user_threshold, max(1, services.settings.fanout_batch_size))
    taken: list[StatusFacts] = []
    for status in statuses:
        author = authors.get(status.account_id)
        if status.visibility == DIRECT or author is None or author[0] >= limit:
            left.append(fresh[status.id])
        else:
            taken.append(status)
    if not taken:
        return left
    versions = {s.account_id: authors[s.account_id][1] for s in taken}
    tags = await _deliver(services, taken, versions)
    notifying = [s.id for s in taken if fresh[s.id].payload.get("notify")]
    if notifying:
        await notify_new_statuses(services, notifying)
    tagged = [s for s in taken if tags.get(s.id)]
    if tagged and not await _deliver_to_tag_followers(services, tagged, tags):
        for status in tagged:
            job = fresh[status.id]
            job.payload["phase"] = "tags"  # in memory only: see the module doc
            left.append(job)
    return left


async def _deliver(
    services: Services, statuses: Sequence[StatusFacts], versions: dict[int, int]
) -> dict[int, list[Tag]]:
    """Push ``statuses`` to their authors' and admitted followers' timelines
    and lists, then announce them; returns each status's hashtags.
    ``versions``: each author's followers version, read just before."""
    authors = list(versions)
    async with services.db.read(primary=True) as conn:
        tags = await _tag_names(
            conn, [s.id for s in statuses if s.visibility == PUBLIC and s.reblog_of_id is None]
        )
        followers = await load_followers(services, conn, versions)
        # Follower -> show_reblogs (an author gone meanwhile has none).
        receivers = {
            s.id: followers[s.account_id].show_reblogs() if s.account_id in followers else {}
            for s in statuses
        }
        for status in statuses:
            receivers[status.id].pop(status.account_id, None)
        # Follows that decide replies and reblogs (plain posts need none).
        matter = sorted({a for s in statuses for a in followed_accounts_that_matter(s)})
        everyone = sorted({r for found in receivers.values() for r in found}) if matter else []
        follows = await follows_among(conn, everyone, matter)
        # Blocks, mutes and lists from the authors' side (indexed), not
        # with every receiver's id; admission keeps the receivers' pairs.
        exclusions = await exclusions_of(
            conn, sorted({a for s in statuses for a in involved_accounts(s)})
        )
        holding = await lists_of_members(conn, authors)
        targets = {s.id: _targets_of(s, receivers[s.id], holding) for s in statuses}
        in_list: dict[int, set[int]] = {}
        for status in statuses:  # replies under a "list" replies policy: rare
            asking = lists_asking_membership(status, targets[status.id])
            if asking:
                reply_to = status.in_reply_to_account_id or 0
                in_list[status.id] = await members_among(conn, asking, reply_to)
    pairs: list[tuple[str, int]] = []
    events: list[tuple[str, int, list[str]]] = []
    for status in statuses:
        homes, lists = admit_receivers(
            status,
            receivers[status.id],
            follows,
            exclusions,
            targets[status.id],
            in_list.get(status.id, set()),
        )
        author = status.account_id
        pairs += [(home_key(author), status.id), (authored_key(author), status.id)]
        # The public and hashtag lists (posting pushed them already unless
        # the store was unreachable then: roost.statuses.public_lists).
        names = [name for _, name in tags.get(status.id, [])]
        pairs += [(k, status.id) for k in public_keys_of(status, names)]
        pairs += [(home_key(r), status.id) for r in homes]
        pairs += [(list_timeline_key(i), status.id) for i in lists]
        FANOUT_DELIVERIES.inc(1 + len(homes) + len(lists))
        channels = broadcast_channels(status, names, hot=False)
        channels += [user_channel(r) for r in homes] + [list_channel(i) for i in lists]
        events.append((UPDATE, status.id, channels))
    for start in range(0, len(pairs), PUSH_CHUNK):
        await services.timelines.push_pairs(pairs[start : start + PUSH_CHUNK])
    # After every push: a stream never announces what its timeline lacks.
    await publish_each(services, events)
    return tags


def _targets_of(
    status: StatusFacts, receivers: dict[int, bool], holding: Sequence[tuple[int, ListTarget]]
) -> list[ListTarget]:
    """The lists of ``status``'s receivers that hold its author."""
    return [t for member, t in holding if member == status.account_id and t.owner_id in receivers]


async def _tag_names(conn: AsyncConnection, status_ids: Sequence[int]) -> dict[int, list[Tag]]:
    """Status id -> its hashtags, (id, name) (public originals only matter)."""
    if not status_ids:
        return {}
    st, t = schema.status_tags, schema.tags
    rows = await conn.execute(
        sa.select(st.c.status_id, t.c.id, t.c.name)
        .join(st, st.c.tag_id == t.c.id)
        .where(st.c.status_id.in_(status_ids))
    )
    found: dict[int, list[Tag]] = {}
    for status_id, tag_id, name in rows:
        found.setdefault(int(status_id), []).append((int(tag_id), str(name)))
    return found


async def _deliver_to_tag_followers(
    services: Services, statuses: Sequence[StatusFacts], tags: dict[int, list[Tag]]
) -> bool:
    """The hashtag followers' part of ``statuses`` (public originals with
    hashtags), as the one-job path does it (``admits_tagged``: everyone
    following one of a status's tags, but its author and those who block or
    mute it or are blocked by it); one query of each kind for all. False,
    having done nothing, when their tags have more followers than one batch
    reads: the one-job path pages through them then."""
    limit = max(1, services.settings.fanout_batch_size)
    tag_ids = sorted({tag_id for s in statuses for tag_id, _ in tags[s.id]})
    async with services.db.read(primary=True) as conn:
        follows = await tag_followers(conn, tag_ids, limit=limit)
        if follows is None:
            return False
        if not follows:
            return True
        exclusions = await exclusions_of(conn, sorted({s.account_id for s in statuses}))
    followers: dict[int, set[int]] = {}
    for tag_id, account_id in follows:
        followers.setdefault(tag_id, set()).add(account_id)
    pairs: list[tuple[str, int]] = []
    events: list[tuple[str, int, list[str]]] = []
    for status in statuses:
        author = status.account_id
        receivers = {a for tag_id, _ in tags[status.id] for a in followers.get(tag_id, ())}
        admitted = sorted(r for r in receivers if r != author and (r, author) not in exclusions)
        if not admitted:
            continue
        pairs += [(home_key(r), status.id) for r in admitted]
        FANOUT_DELIVERIES.inc(len(admitted))
        events.append((UPDATE, status.id, [user_channel(r) for r in admitted]))
    for start in range(0, len(pairs), PUSH_CHUNK):
        await services.timelines.push_pairs(pairs[start : start + PUSH_CHUNK])
    await publish_each(services, events)
    return True


BATCH_HANDLERS: dict[str, BatchHandler] = {FANOUT_STATUS: fanout_statuses}
