"""Small SQL building blocks shared by the status write paths."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.db import schema
from roost.ids import IdGenerator


def insert_ignore(conn: AsyncConnection, table: sa.Table, conflict: Sequence[str]) -> Any:
    """``INSERT ... ON CONFLICT DO NOTHING`` in the connection's dialect (both
    SQLite and PostgreSQL have it), so a concurrent duplicate does not abort
    the transaction."""
    module: Any = postgresql if conn.dialect.name == "postgresql" else sqlite
    return module.insert(table).on_conflict_do_nothing(index_elements=list(conflict))


async def bump_status_counter(
    conn: AsyncConnection, status_id: int, column: str, amount: int
) -> bool:
    """Add ``amount`` to a counter of a status, never below zero; False when
    the status is gone."""
    s = schema.statuses
    col = s.c[column]
    value = col + amount if amount > 0 else sa.case((col + amount < 0, 0), else_=col + amount)
    row = (
        await conn.execute(
            s.update().where(s.c.id == status_id).values({column: value}).returning(s.c.id)
        )
    ).first()
    return row is not None


async def bump_statuses_count(
    conn: AsyncConnection, account_id: int, amount: int, *, posted_at: datetime | None = None
) -> None:
    """Keep accounts.statuses_count exact (and last_status_at on a new post)."""
    a = schema.accounts
    count = a.c.statuses_count
    values: dict[str, Any] = {
        "statuses_count": count + amount
        if amount > 0
        else sa.case((count + amount < 0, 0), else_=count + amount)
    }
    if posted_at is not None:
        values["last_status_at"] = posted_at
    await conn.execute(a.update().where(a.c.id == account_id).values(values))


async def ensure_tags(
    conn: AsyncConnection, names: Sequence[str], ids: IdGenerator, now: datetime
) -> list[int]:
    """Ids of the tags with these names, creating the missing ones."""
    if not names:
        return []
    t = schema.tags
    await conn.execute(
        insert_ignore(conn, t, ["name"]),
        [{"id": ids.next_id(), "name": name, "created_at": now} for name in names],
    )
    rows = await conn.execute(sa.select(t.c.id).where(t.c.name.in_(list(names))))
    return [int(r.id) for r in rows]
