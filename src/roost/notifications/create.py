"""``create``: the one function through which every notification row comes
into being, inside the worker's transaction.

It drops what must never be sent (one's own actions; actors the receiver
blocks, is blocked by, or muted with notifications; silenced accounts the
receiver does not follow) and what exists already
(the unique key: liking, unliking and liking again notifies once), and
returns the rows really added. Whatever delivers notifications hooks in
here: the caller publishes the returned rows to the streams after the
commit, and a delivery job enqueued here (same transaction) is as durable
as the notification itself.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.db import schema
from roost.notifications.outbox import ADMIN_REPORT, POLL
from roost.push.delivery import enqueue_pushes
from roost.push.payload import Notice

if TYPE_CHECKING:
    from roost.services import Services

_n, _b, _m = schema.notifications, schema.blocks, schema.mutes


@dataclasses.dataclass(frozen=True, slots=True)
class NewNotification:
    """``account_id`` is to hear that ``from_account_id`` did ``type``."""

    account_id: int
    type: str
    from_account_id: int
    # The notification's subject: the status it is about, or for
    # ``admin.report`` the report (ids come from one generator, so a
    # report's never equals a status's).
    status_id: int = 0


@dataclasses.dataclass(frozen=True, slots=True)
class NotificationRow:
    id: int
    account_id: int
    type: str
    from_account_id: int
    status_id: int  # the subject, as in NewNotification
    created_at: datetime

    @property
    def about_status(self) -> int:
        """The status shown with the notification (0: none)."""
        return 0 if self.type == ADMIN_REPORT else self.status_id

    @property
    def report_id(self) -> int:
        """The report an ``admin.report`` notification is about (0: none)."""
        return self.status_id if self.type == ADMIN_REPORT else 0


async def _silenced(conn: AsyncConnection, pairs: set[tuple[int, int]]) -> set[tuple[int, int]]:
    """(receiver, actor) pairs among ``pairs`` that must stay silent."""
    receivers = sorted({r for r, _ in pairs})
    actors = sorted({a for _, a in pairs})
    query = sa.union(
        sa.select(_b.c.account_id, _b.c.target_account_id).where(
            _b.c.account_id.in_(receivers), _b.c.target_account_id.in_(actors)
        ),
        sa.select(_b.c.target_account_id, _b.c.account_id).where(
            _b.c.account_id.in_(actors), _b.c.target_account_id.in_(receivers)
        ),
        sa.select(_m.c.account_id, _m.c.target_account_id).where(
            _m.c.account_id.in_(receivers),
            _m.c.target_account_id.in_(actors),
            _m.c.hide_notifications,
            schema.mute_in_force(),
        ),
    )
    found = {(int(r), int(a)) for r, a in (await conn.execute(query)).all()}
    return (found | await _limited(conn, pairs, actors)) & pairs


async def _limited(
    conn: AsyncConnection, pairs: set[tuple[int, int]], actors: list[int]
) -> set[tuple[int, int]]:
    """(receiver, actor) pairs where a moderator silenced the actor and the
    receiver does not follow it: as on Mastodon, a limited account reaches
    only its followers."""
    a, f = schema.accounts, schema.follows
    silenced = {
        int(i)
        for (i,) in (
            await conn.execute(
                sa.select(a.c.id).where(a.c.id.in_(actors), a.c.silenced_at.is_not(None))
            )
        ).all()
    }
    if not silenced:
        return set()
    candidates = {(r, actor) for r, actor in pairs if actor in silenced}
    follows = await conn.execute(
        sa.select(f.c.account_id, f.c.target_account_id).where(
            f.c.account_id.in_(sorted({r for r, _ in candidates})),
            f.c.target_account_id.in_(sorted(silenced)),
        )
    )
    followed = {(int(r), int(t)) for r, t in follows.all()}
    return candidates - followed


async def create(
    services: Services, conn: AsyncConnection, notes: Sequence[NewNotification]
) -> list[NotificationRow]:
    """Insert the notifications that should exist among ``notes`` (in the
    caller's transaction); the rows really added, in order."""
    # Never of one's own actions, except the end of one's own poll.
    wanted = [n for n in notes if n.account_id != n.from_account_id or n.type == POLL]
    if not wanted:
        return []
    silent = await _silenced(conn, {(n.account_id, n.from_account_id) for n in wanted})
    dialect = sqlite if services.db.is_sqlite else postgresql
    now = datetime.now(UTC)
    created: list[NotificationRow] = []
    for note in wanted:
        if (note.account_id, note.from_account_id) in silent:
            continue
        row = NotificationRow(
            id=services.ids.next_id(),
            account_id=note.account_id,
            type=note.type,
            from_account_id=note.from_account_id,
            status_id=note.status_id,
            created_at=now,
        )
        stmt = (
            dialect.insert(_n)
            .values(**dataclasses.asdict(row))
            .on_conflict_do_nothing()
            .returning(_n.c.id)
        )
        if (await conn.execute(stmt)).first() is not None:
            created.append(row)
    # Delivery hook: the Web Push jobs of ``created`` commit or roll back
    # with the notifications themselves.
    await enqueue_pushes_for(services, conn, created)
    return created


async def enqueue_pushes_for(
    services: Services, conn: AsyncConnection, created: Sequence[NotificationRow]
) -> None:
    """One push delivery job per subscription that admits each new row."""
    notices = [
        (
            row.account_id,
            Notice(
                notification_id=row.id,
                type=row.type,
                from_account_id=row.from_account_id,
                status_id=row.about_status or None,
            ),
        )
        for row in created
    ]
    await enqueue_pushes(conn, services, notices)
