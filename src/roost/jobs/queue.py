"""Enqueue jobs inside the caller's transaction (the transactional outbox).

A job row is committed together with the change that caused it, so a crash
between "saved" and "delivered" can never lose the delivery: whoever drains
the table next runs it. Jobs must be idempotent; they run at least once.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
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


async def enqueue_many(
    conn: AsyncConnection, ids: IdGenerator, jobs: Sequence[tuple[str, dict[str, Any]]]
) -> list[int]:
    """Add several jobs due at once (kind, payload) in one statement of the
    open transaction; returns their ids in order."""
    if not jobs:
        return []
    now = datetime.now(UTC)
    job_ids = [ids.next_id() for _ in jobs]
    rows = [
        {
            "id": job_id,
            "kind": kind,
            "payload": payload,
            "state": "pending",
            "attempts": 0,
            "run_after": now,
            "created_at": now,
        }
        for job_id, (kind, payload) in zip(job_ids, jobs, strict=True)
    ]
    await conn.execute(schema.jobs.insert(), rows)
    return job_ids


def periodic_job_id(kind: str, period: int) -> int:
    """The id of ``kind``'s job for one period: far below every generated id
    (those start at 2^22), so it never collides with one, and the same for
    every process, so a period's job is enqueued once however many try."""
    return (zlib.crc32(kind.encode()) % 1000) * 10**8 + period


async def enqueue_periodic(
    conn: AsyncConnection, kind: str, *, interval: float, now: datetime
) -> None:
    """Enqueue ``kind``'s job for the period of ``now``, due at once;
    nothing if that period's job is already there."""
    period = int(now.timestamp() // interval)
    module: Any = postgresql if conn.dialect.name == "postgresql" else sqlite
    statement = module.insert(schema.jobs).on_conflict_do_nothing(index_elements=["id"])
    await conn.execute(
        statement,
        [
            {
                "id": periodic_job_id(kind, period),
                "kind": kind,
                "payload": {"period": period},
                "state": "pending",
                "attempts": 0,
                "run_after": now,
                "created_at": now,
            }
        ],
    )
