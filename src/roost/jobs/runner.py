"""Claim and run outbox jobs: in-process for the embedded default, or in
``roost worker`` processes that share the table.

Claiming. A worker takes a batch of due jobs (``ROOST_JOB_CLAIM_SIZE``, 100
by default) in one transaction and leases
them (``locked_until`` = now + the lease, ``ROOST_JOB_LEASE_SECONDS``, 3 s
by default: short, so that the jobs of a worker that died run elsewhere
within seconds; the heartbeat below keeps them with a live worker). On
PostgreSQL the ``SELECT ... FOR UPDATE SKIP LOCKED`` keeps concurrent
claimers off each other's rows; on SQLite the writer lock serializes
claims. A job is due when it is pending, its ``run_after`` has
come, and nobody holds a live lease on it.

Leases. While a worker holds jobs (running or waiting in its batch) a
heartbeat renews their leases every third of the lease (one statement for
the jobs that share a lease), so a slow but alive worker keeps its jobs; a
lease only runs out when its worker died or hung, and then another worker
claims the job again (with the 3 s default, a SIGKILLed worker's job is
running again 2-3 s later, plus the other workers' poll interval). The
``locked_until`` value a worker wrote is its fencing token: renewals,
checkpoints, failure updates and releases only apply while the row still
carries that value, so a worker that lost a job cannot overwrite the state
of the worker that took it over; its next ``checkpoint`` raises
``LeaseLost`` and the handler stops there. A job can still run twice (a
worker hung past its lease, then woke up mid-handler; or one crashed after
the work and before deleting the row): that is accepted because every job is
idempotent (see ``roost.jobs.queue``), never because it is rare. Clocks of
the workers must agree to well under the lease (NTP).

Failures. A job that raises is retried with exponential backoff; after
``MAX_ATTEMPTS`` it is parked (state ``parked``, error kept) for an operator
instead of being dropped. A job that found Redis unreachable
(``BackendUnavailable``) is retried every ``UNAVAILABLE_RETRY`` for as long
as the outage lasts, and never parked for it. Long jobs checkpoint their
progress in the payload so a retry resumes where the last batch ended.

Stopping. ``stop()`` lets each loop finish the job it is running; the jobs
it had claimed but not started are released at once for other workers.

Wake-ups. ``notify()`` wakes this process's loops; with ``wakeups`` set (a
Redis channel, see ``roost.infra.redis_wakeups``) it also wakes the loops of
every ``roost worker`` process. Polling every ``poll_interval`` remains the
fallback when a signal is lost.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import dataclasses
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from roost.db import schema
from roost.infra.metrics import JOB_FAILURES, JOB_LEASES_LOST, JOBS_DONE
from roost.infra.resilient import BackendUnavailable
from roost.infra.wakeups import JobWakeups
from roost.jobs.queue import enqueue_periodic

if TYPE_CHECKING:
    from roost.services import Services

log = logging.getLogger("roost.jobs")

MAX_ATTEMPTS = 8
LEASE = timedelta(seconds=3)
UNAVAILABLE_RETRY = timedelta(seconds=10)

_jobs = schema.jobs


def _now() -> datetime:
    return datetime.now(UTC)


class LeaseLost(Exception):
    """The job's lease ran out and another worker claimed it."""


class RetryLater(Exception):
    """A failure that names the earliest moment worth trying again (a
    service's ``Retry-After``): the backoff waits at least ``after``, at
    most an hour."""

    def __init__(self, message: str, *, after: timedelta) -> None:
        super().__init__(message)
        self.after = after


@dataclasses.dataclass(slots=True)
class Job:
    id: int
    kind: str
    payload: dict[str, Any]
    attempts: int
    services: Services
    # The locked_until this worker wrote: its fencing token (None: unfenced).
    lease: datetime | None = None
    lease_length: timedelta = LEASE
    clock: Callable[[], datetime] = _now  # the runner's
    # Serializes lease renewals of this job (heartbeat versus checkpoint).
    lease_lock: asyncio.Lock = dataclasses.field(default_factory=asyncio.Lock, repr=False)
    # Set once the runner settles the row (deleted, released, failure
    # recorded, or given up to another worker): no renewal is due after it,
    # and a renewal that finds no row then is not a lost lease.
    settled: bool = False

    def held(self) -> sa.ColumnElement[bool]:
        """The row is still ours: same id and our lease on it."""
        if self.lease is None:
            return _jobs.c.id == self.id
        return sa.and_(_jobs.c.id == self.id, _jobs.c.locked_until == self.lease)

    async def checkpoint(self, **progress: Any) -> None:
        """Persist progress so a retry resumes after the last finished batch.

        Raises LeaseLost when another worker has taken the job over.
        """
        self.payload.update(progress)
        async with self.lease_lock:
            lease = self.clock() + self.lease_length
            async with self.services.db.write() as conn:
                result = await conn.execute(
                    _jobs.update()
                    .where(self.held())
                    .values(payload=dict(self.payload), locked_until=lease)
                )
            if result.rowcount == 0:
                raise LeaseLost(f"job {self.id} ({self.kind}) was taken over by another worker")
            self.lease = lease

    async def renew(self) -> bool:
        """Extend the lease; False when another worker took the job over.

        A job its runner settled meanwhile (finished and deleted while this
        renewal waited) needs no lease and is not lost: True.
        """
        async with self.lease_lock:
            if self.settled:
                return True
            lease = self.clock() + self.lease_length
            async with self.services.db.write() as conn:
                result = await conn.execute(
                    _jobs.update().where(self.held()).values(locked_until=lease)
                )
            if result.rowcount == 0:
                return self.settled
            self.lease = lease
            return True


JobHandler = Callable[[Job], Awaitable[None]]
# Runs several claimed jobs of one kind together; returns those it left for
# the one-by-one handler (all of them when it raises).
BatchHandler = Callable[[list[Job]], Awaitable[list[Job]]]


class JobRunner:
    """Claims due jobs and dispatches them to handlers registered by kind."""

    def __init__(
        self,
        services: Services,
        *,
        batch_size: int | None = None,
        lease: timedelta | None = None,
        clock: Callable[[], datetime] = _now,
    ) -> None:
        self.services = services
        # What leases and backoffs are measured against (UTC); tests move it.
        self.clock = clock
        # Jobs claimed at once (ROOST_JOB_CLAIM_SIZE): what a fan-out batch
        # can share its queries among when posts wait.
        self.batch_size = services.settings.job_claim_size if batch_size is None else batch_size
        if lease is None:
            lease = timedelta(seconds=services.settings.job_lease_seconds)
        self.lease = lease
        # Delay before a job that found Redis unreachable runs again.
        self.unavailable_retry = UNAVAILABLE_RETRY
        self.handlers: dict[str, JobHandler] = {}
        self.batch_handlers: dict[str, BatchHandler] = {}
        self.wakeups: JobWakeups | None = None
        self._wakeup = asyncio.Event()
        self._signals = 0  # bumped by every wake-up, local or remote
        self._stopping = False
        self._held: dict[int, Job] = {}  # claimed and not finished or released
        self._publishing = False
        self._publish_again = False
        self._tasks: set[asyncio.Task[None]] = set()
        # Periodic jobs (kind -> interval in seconds): every running worker
        # enqueues each period's job when the period starts (and once when it
        # starts); the job's id is derived from the period, so the period's
        # job is enqueued once however many workers try
        # (queue.enqueue_periodic). No row waits in the table between runs.
        self.periodic: dict[str, float] = {}

    def register(self, kind: str, handler: JobHandler, *, every: float | None = None) -> None:
        self.handlers[kind] = handler
        if every is not None:
            self.periodic[kind] = every

    def register_batch(self, kind: str, handler: BatchHandler) -> None:
        """Let ``handler`` run the claimed jobs of ``kind`` of a batch together
        (the kind keeps its one-job handler, for what the batch leaves and
        for the fallback)."""
        self.batch_handlers[kind] = handler

    async def _periodic_loop(self) -> None:
        shortest = min(self.periodic.values())
        while not self._stopping:
            try:
                await self.ensure_periodic()
                self._wake()
            except Exception:  # the database is away: try again next period
                log.exception("could not enqueue the periodic jobs")
            now = self.clock().timestamp()
            await asyncio.sleep(shortest - now % shortest + 0.01)

    async def ensure_periodic(self) -> None:
        """Enqueue the current period's job of every periodic kind (once per
        period whichever process asks)."""
        if not self.periodic:
            return
        async with self.services.db.write() as conn:
            for kind, interval in self.periodic.items():
                await enqueue_periodic(conn, kind, interval=interval, now=self.clock())

    def notify(self) -> None:
        """Wake the job loops after a commit that enqueued work, here and,
        with ``wakeups`` set, in the worker processes."""
        self._wake()
        if self.wakeups is None:
            return
        if self._publishing:
            # A publish may already be on the wire from before this commit:
            # send one more after it so nobody claims too early and sleeps.
            self._publish_again = True
            return
        with contextlib.suppress(RuntimeError):  # no running loop: nobody to tell
            task = asyncio.get_running_loop().create_task(self._publish())
            self._publishing = True
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    def _wake(self) -> None:
        self._signals += 1
        self._wakeup.set()

    async def _publish(self) -> None:
        assert self.wakeups is not None
        try:
            while True:
                self._publish_again = False
                try:
                    await self.wakeups.publish()
                except Exception as exc:  # workers still poll; do not fail the caller
                    log.warning("job wake-up not published: %r", exc)
                    return
                if not self._publish_again:
                    return
        finally:
            self._publishing = False

    async def claim(self) -> list[Job]:
        now = self.clock()
        due = (
            sa.select(_jobs.c.id, _jobs.c.kind, _jobs.c.payload, _jobs.c.attempts)
            .where(_jobs.c.state == "pending", _jobs.c.run_after <= now)
            .where(sa.or_(_jobs.c.locked_until.is_(None), _jobs.c.locked_until < now))
            .order_by(_jobs.c.id)
            .limit(self.batch_size)
        )
        if not self.services.db.is_sqlite:
            due = due.with_for_update(skip_locked=True)
        lease = now + self.lease
        async with self.services.db.write() as conn:
            rows = (await conn.execute(due)).all()
            if not rows:
                return []
            await conn.execute(
                _jobs.update()
                .where(_jobs.c.id.in_([r.id for r in rows]))
                .values(locked_until=lease)
            )
        claimed = [
            Job(
                r.id,
                r.kind,
                dict(r.payload),
                r.attempts,
                self.services,
                lease,
                self.lease,
                self.clock,
            )
            for r in rows
        ]
        for job in claimed:
            self._held[job.id] = job
        return claimed

    async def run_job(self, job: Job) -> None:
        """Run one claimed job and settle its row (deleted, retried or parked)."""
        try:
            done = await self._attempt(job)
        finally:
            self._held.pop(job.id, None)
        if done:
            await self._delete([job])

    async def _attempt(self, job: Job) -> bool:
        """Run the handler; True when the job is done and its row can go (even
        if the lease was lost meanwhile: the work is done)."""
        handler = self.handlers.get(job.kind)
        try:
            if handler is None:
                raise LookupError(f"no handler for job kind {job.kind!r}")
            await handler(job)
        except LeaseLost as lost:
            job.settled = True
            JOB_LEASES_LOST.inc()
            log.warning("%s; leaving it to them", lost)
            return False
        except Exception as exc:
            await self._record_failure(job, exc)
            return False
        JOBS_DONE.labels(job.kind).inc()
        return True

    async def _delete(self, jobs: Sequence[Job]) -> None:
        for job in jobs:
            job.settled = True
        async with self.services.db.write() as conn:
            await conn.execute(_jobs.delete().where(_jobs.c.id.in_([j.id for j in jobs])))
        for job in jobs:
            self._held.pop(job.id, None)

    async def _record_failure(self, job: Job, exc: Exception) -> None:
        if isinstance(exc, BackendUnavailable):
            # Not the job's fault, and parking it would lose its work for good
            # (a fan-out missing from timelines Redis kept): try again later,
            # for as long as the outage lasts, without using up an attempt.
            attempts, parked, delay = job.attempts, False, self.unavailable_retry
            JOB_FAILURES.labels(job.kind, "postponed").inc()
            log.info("job %s (%s) postponed: %s", job.id, job.kind, exc)
        else:
            attempts = job.attempts + 1
            parked = attempts >= MAX_ATTEMPTS
            delay = timedelta(seconds=min(2**attempts, 3600))
            JOB_FAILURES.labels(job.kind, "parked" if parked else "retry").inc()
            if isinstance(exc, RetryLater):
                delay = max(delay, min(exc.after, timedelta(hours=1)))
            log.warning("job %s (%s) failed, attempt %s: %r", job.id, job.kind, attempts, exc)
        job.settled = True
        async with self.services.db.write() as conn:
            await conn.execute(
                _jobs.update()
                .where(job.held())
                .values(
                    attempts=attempts,
                    state="parked" if parked else "pending",
                    run_after=self.clock() + delay,
                    locked_until=None,
                    last_error=repr(exc)[:2000],
                )
            )

    async def release(self, jobs: Sequence[Job]) -> None:
        """Give claimed jobs back unstarted, for any worker to claim now."""
        for job in jobs:
            job.settled = True
            self._held.pop(job.id, None)
        if not jobs:
            return
        async with self.services.db.write() as conn:
            for job in jobs:
                await conn.execute(_jobs.update().where(job.held()).values(locked_until=None))

    async def run_pending(self) -> int:
        """Run every due job until none is left; returns how many ran. For tests
        and for draining on shutdown."""
        count = 0
        while batch := await self.claim():
            await self._run_claimed(batch, stoppable=False)
            count += len(batch)
        return count

    async def _run_claimed(self, batch: Sequence[Job], *, stoppable: bool) -> None:
        """Run a claimed batch in order; consecutive jobs of a kind with a
        batch handler together.

        Finished jobs are deleted together at the end of the batch (one
        transaction instead of one per job; until then the heartbeat keeps
        them leased, and a crash meanwhile only runs them again). Jobs not
        started (asked to stop, or an error escaped) are released so they
        neither wait for their lease to run out nor stay renewed.
        """
        pending = collections.deque(batch)
        done: list[Job] = []
        alone: set[int] = set()  # left by a batch handler: one by one
        try:
            while pending:
                if stoppable and self._stopping:
                    break
                job = pending.popleft()
                if job.kind in self.batch_handlers and job.id not in alone:
                    # With the jobs of its kind that follow it: effects keep
                    # the order of the jobs' kinds (notifications are listed
                    # in the order they were made).
                    group = [job]
                    while pending and pending[0].kind == job.kind:
                        group.append(pending.popleft())
                    try:
                        left = await self._attempt_group(group, done)
                    except BaseException:  # cancelled: released with the rest
                        pending.extendleft(reversed(group))
                        raise
                    alone.update(j.id for j in left)
                    pending.extendleft(reversed(left))
                    continue
                if self._expired(job):
                    continue
                finished = False
                try:
                    finished = await self._attempt(job)
                finally:
                    if finished:
                        done.append(job)
                    else:
                        self._held.pop(job.id, None)
        finally:
            await self._settle(done, list(pending))

    def _expired(self, job: Job) -> bool:
        """Hung past the lease (no heartbeat ran): may be someone else's now."""
        if job.lease is not None and job.lease <= self.clock():
            self._held.pop(job.id, None)
            return True
        return False

    async def _attempt_group(self, group: list[Job], done: list[Job]) -> list[Job]:
        """Run jobs of one kind with its batch handler; the finished ones join
        ``done``, and those it left (or all, when it fails) are returned to
        run one by one. All jobs are idempotent: what a failed batch did is
        done again harmlessly, and one bad job costs the others nothing."""
        group = [j for j in group if not self._expired(j)]
        if len(group) < 2:
            return group
        try:
            left = await self.batch_handlers[group[0].kind](group)
        except Exception as exc:
            log.warning(
                "batch of %d %s jobs failed, one by one: %r", len(group), group[0].kind, exc
            )
            return group
        left_ids = {j.id for j in left}
        for job in group:
            if job.id not in left_ids:
                JOBS_DONE.labels(job.kind).inc()
                done.append(job)
        return [j for j in group if j.id in left_ids]

    async def _settle(self, done: list[Job], unstarted: list[Job]) -> None:
        try:
            if done:
                await self._delete(done)
        except Exception as exc:  # they run again after their lease: idempotent
            log.warning("finished jobs not deleted: %r", exc)
            for job in done:
                self._held.pop(job.id, None)
        try:
            if unstarted:
                await self.release(unstarted)
        except Exception as exc:  # their leases run out instead
            log.warning("claimed jobs not released: %r", exc)

    async def _loop(self, poll_interval: float) -> None:
        while not self._stopping:
            seen = self._signals
            try:
                batch = await self.claim()
                await self._run_claimed(batch, stoppable=True)
                ran = len(batch)
            except Exception:  # database restarting and the like: back off, go on
                log.exception("job loop error")
                ran = 0
                seen = -1  # ignore signals: wait the poll interval
            if ran or self._stopping or (seen >= 0 and seen != self._signals):
                continue
            # No await between the check above and the wait: a notify() cannot
            # slip in unseen.
            self._wakeup.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), timeout=poll_interval)

    async def _heartbeat(self) -> None:
        interval = self.lease.total_seconds() / 3
        while True:
            await asyncio.sleep(interval)
            await self.renew_held()

    async def renew_held(self) -> None:
        """One heartbeat: renew the lease of every job held now.

        Jobs finish while the beat runs (it awaits the database per job): one
        settled meanwhile is skipped, silently. A warning means a real loss:
        the row carries another worker's lease (this one ran past its own).
        """
        held = list(self._held.values())
        # Jobs sharing a lease (claimed together, not checkpointed since) whose
        # lease nobody is renewing now: one statement for each such group, so
        # a large claim costs a beat a few statements, not one per job.
        groups: dict[datetime, list[Job]] = {}
        alone: list[Job] = []
        for job in held:
            if job.lease is not None and not job.lease_lock.locked():
                groups.setdefault(job.lease, []).append(job)
            else:
                alone.append(job)
        for lease, jobs in groups.items():
            try:
                await self._renew_together(lease, jobs)
            except Exception as exc:  # the next beat tries again
                log.warning("leases of %d jobs not renewed: %r", len(jobs), exc)
        for job in alone:
            if job.settled or self._held.get(job.id) is not job:
                continue
            try:
                if not await job.renew():
                    self._lost(job)
            except Exception as exc:  # the next beat tries again
                log.warning("job %s lease not renewed: %r", job.id, exc)

    def _lost(self, job: Job) -> None:
        JOB_LEASES_LOST.inc()
        log.warning("job %s (%s): lease lost, another worker took it over", job.id, job.kind)

    async def _renew_together(self, lease: datetime, jobs: list[Job]) -> None:
        """``Job.renew`` of jobs that all hold ``lease``, in one statement
        (each job's lease lock held meanwhile, as ``renew`` does)."""
        locked: list[Job] = []
        try:
            for job in jobs:
                if job.lease_lock.locked():  # taken since: renewed by its owner
                    continue
                await job.lease_lock.acquire()
                locked.append(job)
            live = [j for j in locked if self._held.get(j.id) is j and j.lease == lease]
            live = [j for j in live if not j.settled]
            if not live:
                return
            new = self.clock() + self.lease
            async with self.services.db.write() as conn:
                rows = await conn.execute(
                    _jobs.update()
                    .where(_jobs.c.id.in_([j.id for j in live]), _jobs.c.locked_until == lease)
                    .values(locked_until=new)
                    .returning(_jobs.c.id)
                )
                renewed = {int(r[0]) for r in rows}
            for job in live:
                if job.id in renewed:
                    job.lease = new
                elif not job.settled:  # finished and deleted meanwhile: not lost
                    self._lost(job)
        finally:
            for job in locked:
                job.lease_lock.release()

    async def run_forever(self, *, poll_interval: float = 1.0, concurrency: int = 1) -> None:
        """The worker: ``concurrency`` claim-and-run loops, a lease heartbeat
        and, with ``wakeups``, a listener; returns once stopped and every loop
        has finished its current job."""
        helpers = [asyncio.create_task(self._heartbeat())]
        if self.periodic:
            helpers.append(asyncio.create_task(self._periodic_loop()))
        if self.wakeups is not None:
            helpers.append(asyncio.create_task(self.wakeups.listen(self._wake)))
        try:
            await asyncio.gather(*(self._loop(poll_interval) for _ in range(max(1, concurrency))))
        finally:
            for task in helpers:
                task.cancel()
            for task in helpers:
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    @property
    def stopping(self) -> bool:
        return self._stopping

    def stop(self) -> None:
        self._stopping = True
        self._wakeup.set()
        for task in self._tasks:  # wake-ups still in flight matter no more
            task.cancel()
