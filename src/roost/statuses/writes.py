"""Small SQL building blocks shared by the status write paths."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
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


async def lock_statuses(conn: AsyncConnection, status_ids: Iterable[int]) -> set[int]:
    """The ids among ``status_ids`` whose status exists, share-locked until the
    end of the caller's transaction.

    On PostgreSQL this is ``FOR KEY SHARE``: any number of likers, reblogger
    and repliers hold it together (they never wait on each other), while a
    deletion of the status waits for them, and one that committed first makes
    the status absent here. Lock it before writing what hangs off the status
    (favourites, counters, replies) so that nothing is left orphaned. SQLite
    has one writer at a time anyway.
    """
    wanted = sorted(set(status_ids))
    if not wanted:
        return set()
    s = schema.statuses
    # One id (the usual case) as a plain comparison: a cached statement.
    match = s.c.id == wanted[0] if len(wanted) == 1 else s.c.id.in_(wanted)
    query = sa.select(s.c.id).where(match).order_by(s.c.id)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update(read=True, key_share=True)
    return {int(row.id) for row in await conn.execute(query)}


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
