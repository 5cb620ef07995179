"""Favourites and bookmarks: an account marks a status, idempotently.

A favourite also moves the status's ``favourites_count`` in the same
transaction, only when a row was really added or removed, so the counter
stays exact however often a client repeats the call.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa

from roost.api.errors import ApiError
from roost.db import schema
from roost.statuses.store import forget_statuses
from roost.statuses.targets import existing_target, visible_target
from roost.statuses.writes import bump_status_counter, insert_ignore

if TYPE_CHECKING:
    from roost.services import Services


async def _mark(
    services: Services, table: sa.Table, counter: str | None, *, account_id: int, status_id: int
) -> int:
    target = await visible_target(services, status_id, viewer_id=account_id)
    async with services.db.write() as conn:
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
        if added is not None:
            if counter is not None:
                exists = await bump_status_counter(conn, target.id, counter, 1)
            else:
                s = schema.statuses
                found = await conn.execute(sa.select(s.c.id).where(s.c.id == target.id))
                exists = found.first() is not None
            if not exists:
                raise ApiError(404, "Record not found")  # deleted meanwhile: roll back
    if added is not None and counter is not None:
        await forget_statuses(services, target.id)
    return target.id


async def _unmark(
    services: Services, table: sa.Table, counter: str | None, *, account_id: int, status_id: int
) -> int:
    target = await existing_target(services, status_id)
    async with services.db.write() as conn:
        removed = (
            await conn.execute(
                table.delete()
                .where(table.c.account_id == account_id, table.c.status_id == target.id)
                .returning(table.c.id)
            )
        ).first()
        if removed is not None and counter is not None:
            await bump_status_counter(conn, target.id, counter, -1)
    if removed is not None and counter is not None:
        await forget_statuses(services, target.id)
    return target.id


async def favourite_status(services: Services, *, account_id: int, status_id: int) -> int:
    """Favourite a status the account may see; returns the favourited status's id."""
    return await _mark(
        services, schema.favourites, "favourites_count", account_id=account_id, status_id=status_id
    )


async def unfavourite_status(services: Services, *, account_id: int, status_id: int) -> int:
    """Remove a favourite (no-op without one); returns the status's id."""
    return await _unmark(
        services, schema.favourites, "favourites_count", account_id=account_id, status_id=status_id
    )


async def bookmark_status(services: Services, *, account_id: int, status_id: int) -> int:
    """Bookmark a status the account may see; returns the bookmarked status's id."""
    return await _mark(services, schema.bookmarks, None, account_id=account_id, status_id=status_id)


async def unbookmark_status(services: Services, *, account_id: int, status_id: int) -> int:
    """Remove a bookmark (no-op without one); returns the status's id."""
    return await _unmark(
        services, schema.bookmarks, None, account_id=account_id, status_id=status_id
    )
