"""What other domains call, inside their own transaction, to have
notifications made (or taken back) about what they just changed.

Nothing here creates a notification: the job enqueued here does, in a
worker, after the change is committed (``jobs``). Kept free of imports from
the rest of the domain so that statuses and relationships can use it.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.db import schema
from roost.jobs.queue import enqueue

if TYPE_CHECKING:
    from roost.services import Services

MENTION = "mention"
STATUS = "status"
REBLOG = "reblog"
FOLLOW = "follow"
FOLLOW_REQUEST = "follow_request"
FAVOURITE = "favourite"
# Administrators hear of each sign-up.
ADMIN_SIGN_UP = "admin.sign_up"
# Administrators hear of each report filed (the row's subject is the report).
ADMIN_REPORT = "admin.report"
UPDATE = "update"
POLL = "poll"
TYPES = (
    MENTION,
    STATUS,
    REBLOG,
    FOLLOW,
    FOLLOW_REQUEST,
    FAVOURITE,
    UPDATE,
    POLL,
    ADMIN_SIGN_UP,
    ADMIN_REPORT,
)

# Job kinds: a new status or reblog (its mentions, its author's notify
# subscribers, the reblogged author), and one account acting on another.
NOTIFY_STATUS = "notify_status"
NOTIFY_EVENT = "notify_event"
NOTIFY_SIGN_UP = "notify_sign_up"
NOTIFY_REPORT = "notify_report"
# An edited status: ``update`` to those who reblogged, liked or are mentioned.
NOTIFY_STATUS_UPDATE = "notify_status_update"
# A poll ended: ``poll`` to its voters and its author (due at the poll's end).
NOTIFY_POLL_ENDED = "notify_poll_ended"

_n = schema.notifications


async def notify_about_edit(conn: AsyncConnection, services: Services, status_id: int) -> None:
    """In the transaction that edits a status."""
    await enqueue(conn, services.ids, NOTIFY_STATUS_UPDATE, {"status_id": status_id})


async def notify_when_poll_ends(
    conn: AsyncConnection, services: Services, poll_id: int, ends_at: datetime
) -> None:
    """In the transaction that posts a status with a poll."""
    await enqueue(
        conn,
        services.ids,
        NOTIFY_POLL_ENDED,
        {"poll_id": poll_id, "ends_at": ends_at.isoformat()},
        run_after=ends_at,
    )


async def notify_about_event(
    conn: AsyncConnection,
    services: Services,
    *,
    type: str,
    account_id: int,
    from_account_id: int,
    status_id: int = 0,
) -> None:
    """In the transaction of a favourite or follow: ``account_id`` is to hear
    that ``from_account_id`` did ``type`` (to ``status_id``)."""
    await enqueue(
        conn,
        services.ids,
        NOTIFY_EVENT,
        {
            "type": type,
            "account_id": account_id,
            "from_account_id": from_account_id,
            "status_id": status_id,
        },
    )


async def notify_admins_of_sign_up(
    conn: AsyncConnection, services: Services, account_id: int
) -> None:
    """In the transaction of a sign-up: every administrator is to hear of it
    (no job at all while the server has no administrator)."""
    a = schema.accounts
    admin = await conn.execute(sa.select(a.c.id).where(a.c.is_admin.is_(True)).limit(1))
    if admin.first() is not None:
        await enqueue(conn, services.ids, NOTIFY_SIGN_UP, {"account_id": account_id})


async def notify_admins_of_report(
    conn: AsyncConnection, services: Services, report_id: int
) -> None:
    """In the transaction that files a report: the administrators (other
    than its author) are to hear of it (no job while there are none)."""
    a = schema.accounts
    admin = await conn.execute(sa.select(a.c.id).where(a.c.is_admin.is_(True)).limit(1))
    if admin.first() is not None:
        await enqueue(conn, services.ids, NOTIFY_REPORT, {"report_id": report_id})


async def forget_about_statuses(conn: AsyncConnection, status_ids: list[int]) -> None:
    """In the transaction that deletes statuses: the notifications about them."""
    if status_ids:
        await conn.execute(_n.delete().where(_n.c.status_id.in_(sorted(status_ids))))


async def forget_reblog(conn: AsyncConnection, reblogger_id: int, original_id: int) -> None:
    """In the transaction that deletes a reblog: its ``reblog`` notification."""
    await conn.execute(
        _n.delete().where(
            _n.c.type == REBLOG,
            _n.c.from_account_id == reblogger_id,
            _n.c.status_id == original_id,
        )
    )


async def forget_follow_request(conn: AsyncConnection, requester_id: int, target_id: int) -> None:
    """In the transaction that answers or withdraws a follow request."""
    await conn.execute(
        _n.delete().where(
            _n.c.type == FOLLOW_REQUEST,
            _n.c.account_id == target_id,
            _n.c.from_account_id == requester_id,
        )
    )


async def forget_favourites(
    conn: AsyncConnection, from_account_id: int, status_ids: list[int]
) -> None:
    """In the transaction that removes favourites: their notifications."""
    if status_ids:
        await conn.execute(
            _n.delete().where(
                _n.c.type == FAVOURITE,
                _n.c.from_account_id == from_account_id,
                _n.c.status_id.in_(sorted(status_ids)),
            )
        )


async def forget_follow(conn: AsyncConnection, follower_id: int, target_id: int) -> None:
    """In the transaction that removes a follow because its follower's account
    is deleted: the ``follow`` notification the target got (an ordinary
    unfollow leaves it, as on Mastodon)."""
    await conn.execute(
        _n.delete().where(
            _n.c.type == FOLLOW,
            _n.c.account_id == target_id,
            _n.c.from_account_id == follower_id,
        )
    )


async def forget_sent_to(
    conn: AsyncConnection, from_account_id: int, account_ids: list[int]
) -> None:
    """Notifications from ``from_account_id`` to these accounts (a deleted
    account's, to the administrators: its sign-up, its reports)."""
    if account_ids:
        await conn.execute(
            _n.delete().where(
                _n.c.account_id.in_(sorted(account_ids)),
                _n.c.from_account_id == from_account_id,
            )
        )
