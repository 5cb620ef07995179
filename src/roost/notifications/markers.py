"""Read positions (``/api/v1/markers``): the last id an account has read in
its home timeline and in its notifications, with a version that grows on
every save (clients use it to notice another device moved the marker)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from roost.db import schema

if TYPE_CHECKING:
    from roost.services import Services

TIMELINES = ("home", "notifications")
_mk = schema.markers


@dataclasses.dataclass(frozen=True, slots=True)
class MarkerRow:
    timeline: str
    last_read_id: int
    version: int
    updated_at: datetime


async def load_markers(
    services: Services, *, account_id: int, timelines: Iterable[str] = TIMELINES
) -> dict[str, MarkerRow]:
    wanted = [t for t in timelines if t in TIMELINES]
    if not wanted:
        return {}
    query = sa.select(_mk.c.timeline, _mk.c.last_read_id, _mk.c.version, _mk.c.updated_at).where(
        _mk.c.account_id == account_id, _mk.c.timeline.in_(wanted)
    )
    async with services.db.read(primary=True) as conn:
        rows = (await conn.execute(query)).all()
    return {
        r.timeline: MarkerRow(r.timeline, int(r.last_read_id), int(r.version), r.updated_at)
        for r in rows
    }


async def save_markers(
    services: Services, *, account_id: int, positions: Mapping[str, int]
) -> dict[str, MarkerRow]:
    """Move the given markers (timeline -> last read id); every marker saved
    gets its version raised by one. Returns the saved markers."""
    dialect = sqlite if services.db.is_sqlite else postgresql
    now = datetime.now(UTC)
    async with services.db.write() as conn:
        for timeline, last_read_id in positions.items():
            stmt = dialect.insert(_mk).values(
                account_id=account_id,
                timeline=timeline,
                last_read_id=last_read_id,
                version=1,
                updated_at=now,
            )
            stmt = stmt.on_conflict_do_update(
                index_elements=[_mk.c.account_id, _mk.c.timeline],
                set_={
                    "last_read_id": stmt.excluded.last_read_id,
                    "version": _mk.c.version + 1,
                    "updated_at": stmt.excluded.updated_at,
                },
            )
            await conn.execute(stmt)
    return await load_markers(services, account_id=account_id, timelines=list(positions))
