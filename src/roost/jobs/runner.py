"""Claim and run outbox jobs: in-process for the embedded default, or in
``roost worker`` processes that share the table (PostgreSQL ``FOR UPDATE
SKIP LOCKED`` keeps two workers off the same job).

A job that raises is retried with exponential backoff; after
``MAX_ATTEMPTS`` it is parked (state ``parked``, error kept) for an operator
instead of being dropped. Long jobs checkpoint their progress in the payload
so a restart resumes where the last batch ended.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from roost.db import schema

if TYPE_CHECKING:
    from roost.services import Services

log = logging.getLogger("roost.jobs")

MAX_ATTEMPTS = 8
LEASE = timedelta(seconds=60)


@dataclasses.dataclass(slots=True)
class Job:
    id: int
    kind: str
    payload: dict[str, Any]
    attempts: int
    services: Services

    async def checkpoint(self, **progress: Any) -> None:
        """Persist progress so a retry resumes after the last finished batch."""
        self.payload.update(progress)
        lease = datetime.now(UTC) + LEASE
        async with self.services.db.write() as conn:
            await conn.execute(
                schema.jobs.update()
                .where(schema.jobs.c.id == self.id)
                .values(payload=dict(self.payload), locked_until=lease)
            )


JobHandler = Callable[[Job], Awaitable[None]]


class JobRunner:
    """Claims due jobs and dispatches them to handlers registered by kind."""

    def __init__(self, services: Services, *, batch_size: int = 20) -> None:
        self.services = services
        self.batch_size = batch_size
        self.handlers: dict[str, JobHandler] = {}
        self._wakeup = asyncio.Event()
        self._stopping = False

    def register(self, kind: str, handler: JobHandler) -> None:
        self.handlers[kind] = handler

    def notify(self) -> None:
        """Wake the in-process loop after a commit that enqueued work."""
        self._wakeup.set()

    async def claim(self) -> list[Job]:
        now = datetime.now(UTC)
        jobs = schema.jobs
        due = (
            sa.select(jobs.c.id, jobs.c.kind, jobs.c.payload, jobs.c.attempts)
            .where(jobs.c.state == "pending", jobs.c.run_after <= now)
            .where(sa.or_(jobs.c.locked_until.is_(None), jobs.c.locked_until < now))
            .order_by(jobs.c.id)
            .limit(self.batch_size)
        )
        if not self.services.db.is_sqlite:
            due = due.with_for_update(skip_locked=True)
        async with self.services.db.write() as conn:
            rows = (await conn.execute(due)).all()
            if not rows:
                return []
            await conn.execute(
                jobs.update()
                .where(jobs.c.id.in_([r.id for r in rows]))
                .values(locked_until=now + LEASE)
            )
        return [Job(r.id, r.kind, dict(r.payload), r.attempts, self.services) for r in rows]

    async def run_job(self, job: Job) -> None:
        handler = self.handlers.get(job.kind)
        jobs = schema.jobs
        try:
            if handler is None:
                raise LookupError(f"no handler for job kind {job.kind!r}")
            await handler(job)
        except Exception as exc:
            attempts = job.attempts + 1
            parked = attempts >= MAX_ATTEMPTS
            delay = timedelta(seconds=min(2**attempts, 3600))
            log.warning("job %s (%s) failed, attempt %s: %r", job.id, job.kind, attempts, exc)
            async with self.services.db.write() as conn:
                await conn.execute(
                    jobs.update()
                    .where(jobs.c.id == job.id)
                    .values(
                        attempts=attempts,
                        state="parked" if parked else "pending",
                        run_after=datetime.now(UTC) + delay,
                        locked_until=None,
                        last_error=repr(exc)[:2000],
                    )
                )
            return
        async with self.services.db.write() as conn:
            await conn.execute(jobs.delete().where(jobs.c.id == job.id))

    async def run_pending(self) -> int:
        """Run every due job until none is left; returns how many ran. For tests
        and for draining on shutdown."""
        count = 0
        while batch := await self.claim():
            for job in batch:
                await self.run_job(job)
            count += len(batch)
        return count

    async def run_forever(self, *, poll_interval: float = 1.0) -> None:
        """The worker loop: drain, then sleep until notified or polled."""
        while not self._stopping:
            try:
                ran = await self.run_pending()
            except Exception:  # database restarting and the like: back off, go on
                log.exception("job loop error")
                ran = 0
            if ran:
                continue
            self._wakeup.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), timeout=poll_interval)

    def stop(self) -> None:
        self._stopping = True
        self._wakeup.set()
