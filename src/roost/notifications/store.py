"""The SQL of reading and removing notifications (writing: ``create``)."""

from __future__ import annotations

import dataclasses
from datetime import UTC
from typing import TYPE_CHECKING

import sqlalchemy as sa

from roost.db import schema
from roost.db.paging import newest_first, paged
from roost.kernel.paging import Page
from roost.notifications.create import NotificationRow

if TYPE_CHECKING:
    from roost.services import Services

_n, _b, _m = schema.notifications, schema.blocks, schema.mutes

_COLUMNS = (
    _n.c.id,
    _n.c.account_id,
    _n.c.type,
    _n.c.from_account_id,
    _n.c.status_id,
    _n.c.created_at,
)


@dataclasses.dataclass(frozen=True, slots=True)
class Selection:
    """Which of the viewer's notifications a listing shows."""

    types: tuple[str, ...] = ()
    exclude_types: tuple[str, ...] = ()
    from_account_id: int | None = None


def silenced(viewer_id: int) -> sa.ColumnElement[bool]:
    """SQL: the notification's actor is one the viewer must not hear of now
    (blocked either way, or muted with notifications): what was created
    before the block or mute is hidden too."""
    actor = _n.c.from_account_id
    return sa.or_(
        sa.exists().where(_b.c.account_id == viewer_id, _b.c.target_account_id == actor),
        sa.exists().where(_b.c.account_id == actor, _b.c.target_account_id == viewer_id),
        sa.exists().where(
            _m.c.account_id == viewer_id,
            _m.c.target_account_id == actor,
            _m.c.hide_notifications,
            schema.mute_in_force(),
        ),
    )


def _row(row: sa.Row[tuple[object, ...]]) -> NotificationRow:
    created_at = row.created_at
    if created_at.tzinfo is None:  # SQLite keeps no zone: stored as UTC
        created_at = created_at.replace(tzinfo=UTC)
    return NotificationRow(
        id=int(row.id),
        account_id=int(row.account_id),
        type=str(row.type),
        from_account_id=int(row.from_account_id),
        status_id=int(row.status_id),
        created_at=created_at,
    )


def _selected(viewer_id: int, selection: Selection) -> sa.Select[tuple[object, ...]]:
    query = sa.select(*_COLUMNS).where(_n.c.account_id == viewer_id, sa.not_(silenced(viewer_id)))
    if selection.types:
        query = query.where(_n.c.type.in_(selection.types))
    if selection.exclude_types:
        query = query.where(_n.c.type.not_in(selection.exclude_types))
    if selection.from_account_id is not None:
        query = query.where(_n.c.from_account_id == selection.from_account_id)
    return query


async def list_rows(
    services: Services, *, viewer_id: int, page: Page, selection: Selection
) -> list[NotificationRow]:
    """One page of the viewer's notifications, newest first."""
    query = paged(_selected(viewer_id, selection), _n.c.id, page)
    # The primary: a client lists them right after the stream announced one.
    async with services.db.read(primary=True) as conn:
        rows = (await conn.execute(query)).all()
    return [_row(r) for r in newest_first(rows, page)]


async def get_row(
    services: Services, *, viewer_id: int, notification_id: int
) -> NotificationRow | None:
    query = _selected(viewer_id, Selection()).where(_n.c.id == notification_id)
    async with services.db.read(primary=True) as conn:
        row = (await conn.execute(query)).first()
    return None if row is None else _row(row)


async def delete_one(services: Services, *, viewer_id: int, notification_id: int) -> bool:
    async with services.db.write() as conn:
        result = await conn.execute(
            _n.delete().where(_n.c.account_id == viewer_id, _n.c.id == notification_id)
        )
    return result.rowcount > 0


async def delete_all(services: Services, *, viewer_id: int) -> None:
    async with services.db.write() as conn:
        await conn.execute(_n.delete().where(_n.c.account_id == viewer_id))


async def count_after(
    services: Services, *, viewer_id: int, after_id: int, limit: int, selection: Selection
) -> int:
    """How many of the viewer's notifications are newer than ``after_id``,
    counting no further than ``limit``."""
    inner = _selected(viewer_id, selection).where(_n.c.id > after_id).limit(limit).subquery()
    async with services.db.read(primary=True) as conn:
        return int((await conn.execute(sa.select(sa.func.count()).select_from(inner))).scalar_one())


async def count_group(
    services: Services, *, viewer_id: int, row: NotificationRow, start: object, end: object
) -> int:
    """How many notifications share ``row``'s group (type, status, time window)."""
    query = (
        sa.select(sa.func.count())
        .select_from(_n)
        .where(
            _n.c.account_id == viewer_id,
            _n.c.type == row.type,
            _n.c.status_id == row.status_id,
            _n.c.created_at >= start,
            _n.c.created_at < end,
            sa.not_(silenced(viewer_id)),
        )
    )
    async with services.db.read(primary=True) as conn:
        return int((await conn.execute(query)).scalar_one())
