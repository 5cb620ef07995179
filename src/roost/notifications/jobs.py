"""The workers' side: turn outbox events into notifications.

A new status or reblog (``notify_new_statuses``, called by its
``fanout_status`` job, alone or for a batch of them; the ``notify_status``
job of posts enqueued before one job per post): the mentioned accounts get a
``mention``, the followers who asked to be notified of the author's posts a
``status``, the author of a reblogged status a ``reblog``. The subscribers
come from a partial index on the follows with ``notify`` set, so a hot
account's post never walks all its followers. Like Mastodon, replies to
someone else and reblogs notify no subscriber, direct statuses only the
mentioned.

``notify_event`` (a favourite, a follow, a follow request): one
notification, if what caused it still holds when the job runs.

Each job writes in one transaction, with the status share-locked, so a
deletion either comes first (nothing is written) or waits and then removes
what was written. Jobs are idempotent: the unique key ignores a repeat.
After the commit the new notifications go to the event bus (``delivery``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.db import schema
from roost.jobs.runner import Job, JobHandler
from roost.notifications.create import NewNotification, NotificationRow, create
from roost.notifications.delivery import publish_notifications
from roost.notifications.outbox import (
    ADMIN_REPORT,
    ADMIN_SIGN_UP,
    FAVOURITE,
    FOLLOW,
    FOLLOW_REQUEST,
    MENTION,
    NOTIFY_EVENT,
    NOTIFY_POLL_ENDED,
    NOTIFY_REPORT,
    NOTIFY_SIGN_UP,
    NOTIFY_STATUS,
    NOTIFY_STATUS_UPDATE,
    POLL,
    REBLOG,
    STATUS,
    UPDATE,
)
from roost.statuses.records import DIRECT
from roost.statuses.writes import lock_statuses

if TYPE_CHECKING:
    from roost.services import Services

_s, _f, _mentions = schema.statuses, schema.follows, schema.mentions


async def _status_notes(
    conn: AsyncConnection, status_ids: Sequence[int]
) -> dict[int, list[NewNotification]]:
    """What each new status or reblog of ``status_ids`` notifies (statuses
    gone are left out): four queries whatever their number, so a batch of
    fan-outs reads the notifications of all its statuses at once."""
    rows = (
        await conn.execute(
            sa.select(
                _s.c.id,
                _s.c.account_id,
                _s.c.visibility,
                _s.c.reblog_of_id,
                _s.c.in_reply_to_account_id,
            ).where(_s.c.id.in_(status_ids))
        )
    ).all()
    originals = [int(r.reblog_of_id) for r in rows if r.reblog_of_id is not None]
    posts = [int(r.id) for r in rows if r.reblog_of_id is None]
    original_authors: dict[int, int] = {}
    if originals:
        found = await conn.execute(
            sa.select(_s.c.id, _s.c.account_id).where(_s.c.id.in_(originals))
        )
        original_authors = {int(i): int(a) for i, a in found}
    mentioned: dict[int, list[int]] = {i: [] for i in posts}
    if posts:
        found = await conn.execute(
            sa.select(_mentions.c.status_id, _mentions.c.account_id).where(
                _mentions.c.status_id.in_(posts)
            )
        )
        for status_id, account_id in found:
            mentioned[int(status_id)].append(int(account_id))
    # Like Mastodon: replies to someone else and direct statuses notify no
    # subscriber.
    subscribing = [
        r
        for r in rows
        if r.reblog_of_id is None
        and r.visibility != DIRECT
        and r.in_reply_to_account_id in (None, r.account_id)
    ]
    subscribing_ids = {int(r.id) for r in subscribing}
    subscribers: dict[int, list[int]] = {}
    if subscribing:
        found = await conn.execute(
            sa.select(_f.c.target_account_id, _f.c.account_id).where(
                _f.c.target_account_id.in_({int(r.account_id) for r in subscribing}), _f.c.notify
            )
        )
        for target, account_id in found:
            subscribers.setdefault(int(target), []).append(int(account_id))
    notes: dict[int, list[NewNotification]] = {}
    for row in rows:
        status_id, author = int(row.id), int(row.account_id)
        if row.reblog_of_id is not None:
            original = original_authors.get(int(row.reblog_of_id))
            notes[status_id] = (
                []
                if original is None
                else [NewNotification(original, REBLOG, author, int(row.reblog_of_id))]
            )
            continue
        mentions = mentioned[status_id]
        found_notes = [NewNotification(m, MENTION, author, status_id) for m in mentions]
        if status_id in subscribing_ids:
            skip = set(mentions)
            found_notes += [
                NewNotification(s, STATUS, author, status_id)
                for s in subscribers.get(author, [])
                if s not in skip
            ]
        notes[status_id] = found_notes
    return notes


async def notify_status(job: Job) -> None:
    """Mentions, subscribers' ``status`` and the ``reblog`` of a new status.

    Posts now notify from their ``fanout_status`` job (one job per post);
    this kind stays for the jobs enqueued before that."""
    await notify_new_statuses(job.services, [int(job.payload["status_id"])])


async def notify_new_statuses(services: Services, status_ids: Sequence[int]) -> None:
    """The notifications of new statuses or reblogs (in a worker: the
    fan-out job of each, alone or in a batch). Idempotent: the unique key
    ignores a repeat, and a status deleted meanwhile notifies nobody."""
    # Most posts notify nobody (no mention, no subscriber): found with reads,
    # without taking a write transaction (on SQLite, the one writer's lock
    # that posts wait for).
    async with services.db.read(primary=True) as conn:
        notes = await _status_notes(conn, status_ids)
    wanted = [i for i in status_ids if notes.get(i)]
    if not wanted:
        return
    async with services.db.write() as conn:
        kept = await lock_statuses(conn, wanted)  # those not deleted before the job ran
        if not kept:
            return
        # Read again under the lock: what holds now is what gets written.
        notes = await _status_notes(conn, sorted(kept))
        created = await create(services, conn, [n for i in sorted(kept) for n in notes.get(i, [])])
    await publish_notifications(services, created)


async def notify_status_update(job: Job) -> None:
    """``update`` of an edited status to the accounts that reblogged or
    favourited it or that it mentions. Each receiver keeps one ``update``
    per status: the one of the latest edit replaces an earlier one."""
    services = job.services
    status_id = int(job.payload["status_id"])
    async with services.db.write() as conn:
        if not await lock_statuses(conn, [status_id]):
            return  # deleted before the job ran
        author = int(
            (
                await conn.execute(sa.select(_s.c.account_id).where(_s.c.id == status_id))
            ).scalar_one()
        )
        fav = schema.favourites
        receivers = sa.union(
            sa.select(_s.c.account_id).where(_s.c.reblog_of_id == status_id),
            sa.select(fav.c.account_id).where(fav.c.status_id == status_id),
            sa.select(_mentions.c.account_id).where(_mentions.c.status_id == status_id),
        )
        found = sorted({int(r[0]) for r in await conn.execute(receivers)})
        n = schema.notifications
        await conn.execute(n.delete().where(n.c.type == UPDATE, n.c.status_id == status_id))
        notes = [NewNotification(r, UPDATE, author, status_id) for r in found]
        created = await create(services, conn, notes)
    await publish_notifications(services, created)


async def notify_poll_ended(job: Job) -> None:
    """``poll`` to the voters and the author of a poll that has ended (run
    when it ends: the job is due then). A poll's id is its status's."""
    services = job.services
    poll_id = int(job.payload["poll_id"])
    async with services.db.write() as conn:
        if not await lock_statuses(conn, [poll_id]):
            return  # deleted before it ended
        polls = schema.polls
        ends = (
            await conn.execute(sa.select(polls.c.expires_at).where(polls.c.id == poll_id))
        ).scalar()
        if ends is None:
            return  # the poll was removed by an edit
        ends = ends if ends.tzinfo else ends.replace(tzinfo=UTC)
        planned = job.payload.get("ends_at")
        if planned and abs(datetime.fromisoformat(planned).timestamp() - ends.timestamp()) > 0.001:
            return  # replaced by an edit: the new poll's job notifies
        author = (
            await conn.execute(sa.select(_s.c.account_id).where(_s.c.id == poll_id))
        ).scalar_one()
        v = schema.poll_voters
        voters = [
            int(r[0])
            for r in await conn.execute(
                sa.select(v.c.account_id).where(v.c.poll_id == poll_id).order_by(v.c.account_id)
            )
        ]
        # The author's own comes "from" the author, as Mastodon's does.
        notes = [NewNotification(r, POLL, int(author), poll_id) for r in [*voters, int(author)]]
        created = await create(services, conn, notes)
    await publish_notifications(services, created)


async def _still_holds(
    conn: AsyncConnection, type: str, actor: int, receiver: int, status_id: int
) -> bool:
    if type == FAVOURITE:
        if not await lock_statuses(conn, [status_id]):
            return False
        fav = schema.favourites
        query = sa.select(fav.c.id).where(fav.c.account_id == actor, fav.c.status_id == status_id)
    elif type in (FOLLOW, FOLLOW_REQUEST):
        table = _f if type == FOLLOW else schema.follow_requests
        query = sa.select(table.c.id).where(
            table.c.account_id == actor, table.c.target_account_id == receiver
        )
    else:
        return False
    return (await conn.execute(query)).first() is not None


async def notify_event(job: Job) -> None:
    """One notification of a favourite, follow or follow request."""
    payload = job.payload
    await create_event_notification(
        job.services,
        type=str(payload["type"]),
        account_id=int(payload["account_id"]),
        from_account_id=int(payload["from_account_id"]),
        status_id=int(payload.get("status_id", 0)),
    )


async def create_event_notification(
    services: Services, *, type: str, account_id: int, from_account_id: int, status_id: int = 0
) -> list[NotificationRow]:
    """In a worker: notify ``account_id`` of ``from_account_id``'s ``type``
    if it still holds; publishes what was created."""
    async with services.db.write() as conn:
        if not await _still_holds(conn, type, from_account_id, account_id, status_id):
            return []
        note = NewNotification(account_id, type, from_account_id, status_id)
        created = await create(services, conn, [note])
    await publish_notifications(services, created)
    return created


async def notify_sign_up(job: Job) -> None:
    """``admin.sign_up`` to every administrator, if the account still exists."""
    services = job.services
    account_id = int(job.payload["account_id"])
    a = schema.accounts
    async with services.db.write() as conn:
        exists = (await conn.execute(sa.select(a.c.id).where(a.c.id == account_id))).first()
        if exists is None:
            return  # rejected or deleted meanwhile
        admins = (await conn.execute(sa.select(a.c.id).where(a.c.is_admin.is_(True)))).all()
        notes = [NewNotification(int(r[0]), ADMIN_SIGN_UP, account_id) for r in admins]
        created = await create(services, conn, notes)
    await publish_notifications(services, created)


async def notify_report(job: Job) -> None:
    """``admin.report`` to every administrator but the report's author, if
    the report still exists."""
    services = job.services
    report_id = int(job.payload["report_id"])
    a, r = schema.accounts, schema.reports
    async with services.db.write() as conn:
        report = (await conn.execute(sa.select(r.c.account_id).where(r.c.id == report_id))).first()
        if report is None:
            return
        admins = (await conn.execute(sa.select(a.c.id).where(a.c.is_admin.is_(True)))).all()
        author = int(report.account_id)
        notes = [NewNotification(int(i), ADMIN_REPORT, author, report_id) for (i,) in admins]
        created = await create(services, conn, notes)
    await publish_notifications(services, created)


JOB_HANDLERS: dict[str, JobHandler] = {
    NOTIFY_STATUS: notify_status,
    NOTIFY_EVENT: notify_event,
    NOTIFY_SIGN_UP: notify_sign_up,
    NOTIFY_REPORT: notify_report,
    NOTIFY_STATUS_UPDATE: notify_status_update,
    NOTIFY_POLL_ENDED: notify_poll_ended,
}
