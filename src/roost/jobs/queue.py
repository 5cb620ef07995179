"""Enqueue jobs inside the caller's transaction (the transactional outbox).

A job row is committed together with the change that caused it, so a crash
between "saved" and "delivered" can never lose the delivery: whoever drains
the table next runs it. Jobs must be idempotent; they run at least once.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from roost.db import schema
from roost.ids import IdGenerator


async def enqueue(
    conn: AsyncConnection,
    ids: IdGenerator,
    kind: str,
    payload: dict[str, Any],
    *,
    run_after: datetime | None = None,
) -> int:
    """Add a job in the open transaction; returns its id. ``run_after``: not
    due before then (a poll's end, a scheduled status)."""
    job_id = ids.next_id()
    now = datetime.now(UTC)
    await conn.execute(
        schema.jobs.insert().values(
            id=job_id,
            kind=kind,
            payload=payload,
            state="pending",
            attempts=0,
            run_after=now if run_after is None else run_after,
            created_at=now,
        )
    )
    return job_id
