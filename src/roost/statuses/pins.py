"""Pinning statuses to their author's profile.

Like Mastodon: only one's own public or unlisted statuses (not reblogs),
at most ``MAX_PINS`` of them; pinning twice or unpinning what is not
pinned changes nothing. ``pinned`` on a Status (for its author) is one of
the viewer's flags (``visibility.PINNED``), so it costs no SQL when warm.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa

from roost.db import schema
from roost.kernel.errors import NotFound, ValidationFailed
from roost.statuses.records import PUBLIC, UNLISTED
from roost.statuses.store import load_statuses
from roost.statuses.visibility import forget_flags
from roost.statuses.writes import insert_ignore, lock_statuses

if TYPE_CHECKING:
    from roost.services import Services

MAX_PINS = 5  # as /api/v1/instance announces

_p = schema.status_pins


async def pin_status(services: Services, *, account_id: int, status_id: int) -> None:
    record = (await load_statuses(services, [status_id], primary=True)).get(status_id)
    if record is None or record.account_id != account_id:
        raise NotFound()
    if record.reblog_of_id is not None or record.visibility not in (PUBLIC, UNLISTED):
        raise ValidationFailed("Only your own public or unlisted statuses can be pinned")
    async with services.db.write() as conn:
        if not await lock_statuses(conn, [status_id]):
            raise NotFound()
        # The account row orders concurrent pins of one account (the cap).
        a = schema.accounts
        lock = sa.select(a.c.id).where(a.c.id == account_id)
        if conn.dialect.name == "postgresql":
            lock = lock.with_for_update()
        await conn.execute(lock)
        pins = await conn.execute(sa.select(_p.c.status_id).where(_p.c.account_id == account_id))
        pinned = {int(r[0]) for r in pins}
        if status_id in pinned:
            return
        if len(pinned) >= MAX_PINS:
            raise ValidationFailed(f"You can pin at most {MAX_PINS} statuses")
        await conn.execute(
            insert_ignore(conn, _p, ["account_id", "status_id"]).values(
                account_id=account_id,
                status_id=status_id,
                id=services.ids.next_id(),
                created_at=datetime.now(UTC),
            )
        )
    await forget_flags(services, [(account_id, status_id)])


async def unpin_status(services: Services, *, account_id: int, status_id: int) -> None:
    record = (await load_statuses(services, [status_id], primary=True)).get(status_id)
    if record is None or record.account_id != account_id:
        raise NotFound()
    async with services.db.write() as conn:
        await conn.execute(
            _p.delete().where(_p.c.account_id == account_id, _p.c.status_id == status_id)
        )
    await forget_flags(services, [(account_id, status_id)])


async def pinned_status_ids(services: Services, account_id: int, *, limit: int) -> list[int]:
    """The account's pinned statuses, newest pin first."""
    async with services.db.read() as conn:
        rows = await conn.execute(
            sa.select(_p.c.status_id)
            .where(_p.c.account_id == account_id)
            .order_by(_p.c.id.desc())
            .limit(limit)
        )
        return [int(r[0]) for r in rows]
