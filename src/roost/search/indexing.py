"""What a new status writes for search, trends and places, inside the
transaction that inserts it (the full-text index is written by the
database's own triggers). Nothing here is slow: a few small inserts."""

from __future__ import annotations

import math
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.db import schema
from roost.search.geo import cells_of
from roost.statuses.writes import insert_ignore

PUBLIC = 0
_ID_SHIFT, _HOUR_MS = 22, 3_600_000


async def index_new_status(
    conn: AsyncConnection,
    *,
    status_id: int,
    account_id: int,
    visibility: int,
    is_reblog: bool,
    tag_ids: Sequence[int],
    latitude: float | None,
    longitude: float | None,
) -> None:
    """Tag uses (one row per tag, hour and account: repeats are ignored) and
    the geohash cells of a located status; public originals only."""
    if visibility != PUBLIC or is_reblog:
        return
    if tag_ids:
        hour = (status_id >> _ID_SHIFT) // _HOUR_MS
        await conn.execute(
            insert_ignore(conn, schema.tag_uses, ["tag_id", "hour", "account_id"]),
            [{"tag_id": t, "hour": hour, "account_id": account_id} for t in tag_ids],
        )
    located = latitude is not None and longitude is not None
    if located and math.isfinite(latitude) and math.isfinite(longitude):  # type: ignore[arg-type]
        await conn.execute(
            schema.status_cells.insert(),
            [{"cell": c, "status_id": status_id} for c in cells_of(latitude, longitude)],  # type: ignore[arg-type]
        )


async def backfill_tag_uses(conn: AsyncConnection, *, since_id: int) -> None:
    """Tag uses of the public original statuses after ``since_id``, for
    statuses written in bulk (the seed loader) without ``index_new_status``."""
    st, s = schema.status_tags, schema.statuses
    hour = sa.cast(s.c.id // (1 << _ID_SHIFT) // _HOUR_MS, sa.Integer)
    rows = (
        sa.select(st.c.tag_id, hour, s.c.account_id)
        .select_from(st.join(s, s.c.id == st.c.status_id))
        .where(s.c.id > since_id, s.c.visibility == PUBLIC, s.c.reblog_of_id.is_(None))
        .distinct()
    )
    statement = insert_ignore(conn, schema.tag_uses, ["tag_id", "hour", "account_id"])
    await conn.execute(statement.from_select(["tag_id", "hour", "account_id"], rows))
