"""Favourites and bookmarks: an account marks a status, idempotently.

The viewer's cached flags of the status (visibility.flags_key) are dropped
after every commit. A favourite also moves the status's favourites counter (a shard of it, see
counters.py) in the same transaction, only when a row was really added or
removed, so the count stays exact however often a client repeats the call.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa

from roost.db import schema
from roost.kernel.errors import NotFound
from roost.notifications.outbox import FAVOURITE, forget_favourites, notify_about_event
from roost.statuses.counters import Counts, add_counts, forget_counts
from roost.statuses.targets import existing_target, visible_target
from roost.statuses.visibility import forget_flags
from roost.statuses.writes import insert_ignore, lock_statuses

if TYPE_CHECKING:
    from roost.services import Services


async def _mark(
    services: Services, table: sa.Table, *, counted: bool, account_id: int, status_id: int
) -> int:
    target = await visible_target(services, status_id, viewer_id=account_id)
    async with services.db.write() as conn:
        if not await lock_statuses(conn, [target.id]):
            raise NotFound()  # deleted meanwhile
        added = (
            await conn.execute(
                insert_ignore(conn, table, ["account_id", "status_id"])
                .values(
                    id=services.ids.next_id(),
                    account_id=account_id,
                    status_id=target.id,
                    created_at=datetime.now(UTC),
                )
                .returning(table.c.id)
            )
        ).first()
        if added is not None and counted:
            await add_counts(conn, {target.id: Counts(favourites=1)})
            await notify_about_event(
                conn,
                services,
                type=FAVOURITE,
                account_id=target.account_id,
                from_account_id=account_id,
                status_id=target.id,
            )
    # Also when nothing was added: a repeated call heals a stale flag.
    await forget_flags(services, [(account_id, target.id)])
    if added is not None and counted:
        await forget_counts(services, target.id)
        services.jobs.notify()
    return target.id


async def _unmark(
    services: Services, table: sa.Table, *, counted: bool, account_id: int, status_id: int
) -> int:
    target = await existing_target(services, status_id)
    async with services.db.write() as conn:
        if not await lock_statuses(conn, [target.id]):
            return target.id  # deleted meanwhile, and its marks with it
        removed = (
            await conn.execute(
                table.delete()
                .where(table.c.account_id == account_id, table.c.status_id == target.id)
                .returning(table.c.id)
            )
        ).first()
        if removed is not None and counted:
            await add_counts(conn, {target.id: Counts(favourites=-1)})
    await forget_flags(services, [(account_id, target.id)])
    if removed is not None and counted:
        await forget_counts(services, target.id)
    return target.id


async def favourite_status(services: Services, *, account_id: int, status_id: int) -> int:
    """Favourite a status the account may see; returns the favourited status's id."""
    return await _mark(
        services, schema.favourites, counted=True, account_id=account_id, status_id=status_id
    )


async def unfavourite_status(services: Services, *, account_id: int, status_id: int) -> int:
    """Remove a favourite (no-op without one); returns the status's id."""
    return await _unmark(
        services, schema.favourites, counted=True, account_id=account_id, status_id=status_id
    )


async def bookmark_status(services: Services, *, account_id: int, status_id: int) -> int:
    """Bookmark a status the account may see; returns the bookmarked status's id."""
    return await _mark(
        services, schema.bookmarks, counted=False, account_id=account_id, status_id=status_id
    )


async def unbookmark_status(services: Services, *, account_id: int, status_id: int) -> int:
    """Remove a bookmark (no-op without one); returns the status's id."""
    return await _unmark(
        services, schema.bookmarks, counted=False, account_id=account_id, status_id=status_id
    )


async def drop_marks_of_account(
    services: Services, table: sa.Table, *, account_id: int, limit: int
) -> int:
    """Remove up to ``limit`` of an account's favourites or bookmarks (the
    account is being deleted): favourites take their counters with them, as
    an unfavourite does, and their notifications too (an unfavourite leaves
    those: here their author no longer exists). How many went."""
    counted = table is schema.favourites
    async with services.db.write() as conn:
        picked = await conn.execute(
            sa.select(table.c.status_id)
            .where(table.c.account_id == account_id)
            .order_by(table.c.status_id)
            .limit(limit)
        )
        wanted = [int(r[0]) for r in picked]
        if not wanted:
            return 0
        # The statuses first, as every writer of marks does (writes.lock_statuses).
        alive = await lock_statuses(conn, wanted)
        removed = await conn.execute(
            table.delete()
            .where(table.c.account_id == account_id, table.c.status_id.in_(wanted))
            .returning(table.c.status_id)
        )
        gone = sorted(int(r[0]) for r in removed)
        counted_ids = [i for i in gone if i in alive] if counted else []
        if counted_ids:
            await add_counts(conn, {i: Counts(favourites=-1) for i in counted_ids})
            await forget_favourites(conn, account_id, counted_ids)
    await forget_flags(services, [(account_id, i) for i in wanted])
    if counted_ids:
        await forget_counts(services, *counted_ids)
    return len(wanted)
