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
large audiences, resumed jobs. A status with hashtags is left to it too,
after the batch did its followers and notifications, for its hashtag
followers only (marked ``phase: tags`` in memory: a crash before that
part persists nothing, and the job then runs whole again).

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

from roost.accounts.store import load_accounts
from roost.db import schema
from roost.infra.metrics import FANOUT_DELIVERIES
from roost.jobs.runner import BatchHandler, Job
from roost.kernel.cachekeys import authored_key, home_key, list_timeline_key
from roost.lists.store import ListTarget, lists_holding_any, members_among
from roost.notifications.jobs import notify_new_statuses
from roost.relationships.graph import exclusions_among, followers_of, follows_among
from roost.statuses.outbox import FANOUT_STATUS
from roost.statuses.records import DIRECT, PUBLIC
from roost.streaming.events import UPDATE, list_channel, publish_each, user_channel
from roost.timelines.admission import admitted, lists_asking_membership, receiver_views
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
    accounts = await load_accounts(services, {s.account_id for s in statuses})
    limit = min(services.settings.hot_user_threshold, max(1, services.settings.fanout_batch_size))
    taken: list[StatusFacts] = []
    for status in statuses:
        account = accounts.get(status.account_id)
        if status.visibility == DIRECT or account is None or account.followers_count >= limit:
            left.append(fresh[status.id])
        else:
            taken.append(status)
    if not taken:
        return left
    tags = await _deliver(services, taken)
    notifying = [s.id for s in taken if fresh[s.id].payload.get("notify")]
    if notifying:
        await notify_new_statuses(services, notifying)
    for status in taken:
        if tags.get(status.id):
            job = fresh[status.id]
            job.payload["phase"] = "tags"  # in memory only: see the module doc
            left.append(job)
    return left


async def _deliver(services: Services, statuses: Sequence[StatusFacts]) -> dict[int, list[str]]:
    """Push ``statuses`` to their authors' and admitted followers' timelines
    and lists, then announce them; returns each status's hashtag names."""
    authors = list({s.account_id for s in statuses})
    async with services.db.read(primary=True) as conn:
        tags = await _tag_names(
            conn, [s.id for s in statuses if s.visibility == PUBLIC and s.reblog_of_id is None]
        )
        followers = await followers_of(conn, authors)
        receivers = {
            s.id: {f.account_id: f.show_reblogs for f in followers[s.account_id]} for s in statuses
        }
        for status in statuses:
            receivers[status.id].pop(status.account_id, None)
        everyone = sorted({r for found in receivers.values() for r in found})
        follows = await follows_among(
            conn, everyone, sorted({a for s in statuses for a in followed_accounts_that_matter(s)})
        )
        exclusions = await exclusions_among(
            conn, everyone, sorted({a for s in statuses for a in involved_accounts(s)})
        )
        holding = await lists_holding_any(conn, authors, everyone)
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
        views = receiver_views(status, receivers[status.id], follows, exclusions)
        homes, lists = admitted(status, views, targets[status.id], in_list.get(status.id, set()))
        author = status.account_id
        pairs += [(home_key(author), status.id), (authored_key(author), status.id)]
        # The public and hashtag lists (posting pushed them already unless
        # the store was unreachable then: roost.statuses.public_lists).
        pairs += [(k, status.id) for k in public_keys_of(status, tags.get(status.id, []))]
        pairs += [(home_key(r), status.id) for r in homes]
        pairs += [(list_timeline_key(i), status.id) for i in lists]
        FANOUT_DELIVERIES.inc(1 + len(homes) + len(lists))
        channels = broadcast_channels(status, tags.get(status.id, []), hot=False)
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


async def _tag_names(conn: AsyncConnection, status_ids: Sequence[int]) -> dict[int, list[str]]:
    """Status id -> its hashtags' names (public originals only matter)."""
    if not status_ids:
        return {}
    st, t = schema.status_tags, schema.tags
    rows = await conn.execute(
        sa.select(st.c.status_id, t.c.name)
        .join(st, st.c.tag_id == t.c.id)
        .where(st.c.status_id.in_(status_ids))
    )
    found: dict[int, list[str]] = {}
    for status_id, name in rows:
        found.setdefault(int(status_id), []).append(str(name))
    return found


BATCH_HANDLERS: dict[str, BatchHandler] = {FANOUT_STATUS: fanout_statuses}
