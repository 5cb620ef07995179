"""Worker id leases in the database (the ``worker_ids`` table): one row per
leased id with its owner's random token and an expiry the owner keeps
renewing. A row whose expiry has passed is free to take over.

Taking an id is one upsert that only overwrites an expired row, so two
processes racing for one id cannot both get it: the unique key makes the
second wait for the first, and the first's fresh expiry then fails the
second's condition.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from roost.db import schema
from roost.db.engine import Database

_w = schema.worker_ids


def _now() -> datetime:
    return datetime.now(UTC)


class DatabaseWorkerIds:
    """Leases of the worker ids ``0..max_id`` in the primary database."""

    def __init__(self, db: Database, *, max_id: int) -> None:
        self.db = db
        self.max_id = max_id

    async def _taken(self) -> set[int]:
        async with self.db.read(primary=True) as conn:
            rows = await conn.execute(sa.select(_w.c.worker_id).where(_w.c.expires_at > _now()))
            return {int(r.worker_id) for r in rows}

    async def _take(self, worker_id: int, owner: str, ttl: float) -> bool:
        now = _now()
        expires = now + timedelta(seconds=ttl)
        insert = postgresql.insert(_w) if self.db.dialect == "postgresql" else sqlite.insert(_w)
        statement = insert.values(
            worker_id=worker_id, owner=owner, expires_at=expires
        ).on_conflict_do_update(
            index_elements=[_w.c.worker_id],
            set_={"owner": owner, "expires_at": expires},
            where=_w.c.expires_at <= now,
        )
        async with self.db.write() as conn:
            taken = await conn.execute(statement.returning(_w.c.worker_id))
            return taken.first() is not None

    async def acquire(self, owner: str, *, ttl: float, preferred: Sequence[int] = ()) -> int | None:
        """Lease a free id for ``owner``; None when all are taken."""
        taken = await self._taken()
        free = [i for i in range(self.max_id + 1) if i not in taken]
        random.shuffle(free)
        for worker_id in [*(i for i in preferred if i not in taken), *free]:
            if await self._take(worker_id, owner, ttl):
                return worker_id
        return None

    async def renew(self, worker_id: int, owner: str, *, ttl: float) -> bool:
        async with self.db.write() as conn:
            result = await conn.execute(
                _w.update()
                .where(_w.c.worker_id == worker_id, _w.c.owner == owner)
                .values(expires_at=_now() + timedelta(seconds=ttl))
            )
            if result.rowcount == 1:
                return True
        # The row is gone (the table was emptied): take the id again if free.
        return await self._take(worker_id, owner, ttl)

    async def release(self, worker_id: int, owner: str) -> None:
        async with self.db.write() as conn:
            await conn.execute(_w.delete().where(_w.c.worker_id == worker_id, _w.c.owner == owner))
