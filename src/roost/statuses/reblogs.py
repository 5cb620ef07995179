"""Reblogging: a reblog is a statuses row pointing at the original
(``reblog_of_id``), fanned out like a post."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.accounts.store import forget_accounts
from roost.db import schema
from roost.jobs.queue import enqueue
from roost.kernel.errors import Forbidden, NotFound, ValidationFailed
from roost.limits import spend_status, spend_status_deletion
from roost.statuses.authored import remember_authored
from roost.statuses.counters import Counts, add_counts, forget_counts
from roost.statuses.deletion import load_refs, remove_statuses
from roost.statuses.outbox import new_status_job
from roost.statuses.records import DIRECT, PRIVATE, PUBLIC, visibility_code
from roost.statuses.targets import existing_target, visible_target
from roost.statuses.visibility import forget_flags
from roost.statuses.writes import bump_statuses_count, lock_statuses

if TYPE_CHECKING:
    from roost.services import Services

_s = schema.statuses


async def _existing_reblog(conn: AsyncConnection, account_id: int, original_id: int) -> int | None:
    row = (
        await conn.execute(
            sa.select(_s.c.id).where(
                _s.c.account_id == account_id, _s.c.reblog_of_id == original_id
            )
        )
    ).first()
    return None if row is None else int(row.id)


async def reblog_status(
    services: Services, *, account_id: int, status_id: int, visibility: str | None = None
) -> int:
    """Reblog a status (or the original of a reblog); returns the reblog's id.

    Reblogging twice returns the first reblog. Private statuses can only be
    reblogged by their author (as private again), direct ones by no one (403).
    """
    original = await visible_target(services, status_id, viewer_id=account_id)
    if original.visibility == DIRECT or (
        original.visibility == PRIVATE and original.account_id != account_id
    ):
        raise Forbidden()
    code = PUBLIC if visibility in (None, "") else visibility_code(visibility)
    if code is None or code == DIRECT:
        raise ValidationFailed("Visibility is not included in the list")
    if original.visibility == PRIVATE:
        code = PRIVATE
    await spend_status(services, account_id=account_id)
    reblog_id = services.ids.next_id()
    now = datetime.now(UTC)
    try:
        async with services.db.write() as conn:
            earlier = await _existing_reblog(conn, account_id, original.id)
            if earlier is not None:
                return earlier
            if not await lock_statuses(conn, [original.id]):
                raise NotFound()  # deleted meanwhile
            await conn.execute(
                _s.insert().values(
                    id=reblog_id,
                    account_id=account_id,
                    reblog_of_id=original.id,
                    visibility=code,
                    created_at=now,
                )
            )
            await add_counts(conn, {original.id: Counts(reblogs=1)})
            await bump_statuses_count(conn, account_id, 1, posted_at=now)
            # One job: the fan-out, which also notifies the original's author.
            await enqueue(conn, services.ids, *new_status_job(reblog_id))
    except sa.exc.IntegrityError:
        # A concurrent request made the same reblog first (unique index).
        async with services.db.read(primary=True) as conn:
            earlier = await _existing_reblog(conn, account_id, original.id)
        if earlier is None:
            raise
        return earlier
    await forget_flags(services, [(account_id, original.id)])
    await forget_counts(services, original.id)
    await forget_accounts(services, account_id)
    await remember_authored(services, account_id, reblog_id)
    services.jobs.notify()
    return reblog_id


async def unreblog_status(services: Services, *, account_id: int, status_id: int) -> int:
    """Undo ``account_id``'s reblog of a status; returns the original's id.
    Without a reblog nothing changes."""
    original = await existing_target(services, status_id)
    await spend_status_deletion(services, account_id=account_id)
    async with services.db.write() as conn:
        rows = await load_refs(
            conn, (_s.c.account_id == account_id) & (_s.c.reblog_of_id == original.id)
        )
        removed = await remove_statuses(conn, services, rows)
    await removed.forget(services)
    return original.id
