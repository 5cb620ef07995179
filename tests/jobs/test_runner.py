"""The job runner with several runners on one database (as several worker
processes would be), on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import logging
import os
from datetime import UTC, datetime, timedelta
from functools import partial

import anyio
import pytest

from roost.db import schema
from roost.jobs.runner import MAX_ATTEMPTS, Job, LeaseLost
from roost.services import Services
from tests.conftest import REDIS_URL, require_service
from tests.helpers import ManualClock
from tests.jobs.conftest import MakeServices, enqueue_many, job_rows

pytestmark = pytest.mark.anyio


def naive_utc(moment: datetime) -> datetime:
    # SQLite hands back naive UTC datetimes, PostgreSQL aware ones.
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


async def wait_until_no_jobs(services: Services, within: float = 60) -> None:
    with anyio.fail_after(within):
        while await job_rows(services):  # noqa: ASYNC110 - polling the database
            await anyio.sleep(0.05)


async def test_two_runners_run_every_job_exactly_once(make_services: MakeServices) -> None:
    a, b = make_services(), make_services()
    ran: list[tuple[str, int]] = []

    def recorder(name: str) -> object:
        async def record(job: Job) -> None:
            await anyio.sleep(0.001)  # let the other loops claim meanwhile
            ran.append((name, int(job.payload["n"])))

        return record

    for name, services in (("a", a), ("b", b)):
        services.jobs.batch_size = 5
        services.jobs.register("test_record", recorder(name))  # type: ignore[arg-type]
    await enqueue_many(a, "test_record", 300)

    async with anyio.create_task_group() as group:
        for services in (a, b):
            group.start_soon(partial(services.jobs.run_forever, poll_interval=0.05, concurrency=3))
        await wait_until_no_jobs(a)
        a.jobs.stop()
        b.jobs.stop()

    assert sorted(n for _, n in ran) == list(range(300))
    assert {name for name, _ in ran} == {"a", "b"}


async def test_failing_job_backs_off_then_parks(make_services: MakeServices) -> None:
    services = make_services()

    async def fail(job: Job) -> None:
        raise RuntimeError("boom")

    services.jobs.register("test_fail", fail)
    (job_id,) = await enqueue_many(services, "test_fail", 1)
    assert await services.jobs.run_pending() == 1
    (row,) = await job_rows(services)
    assert (row.state, row.attempts, row.locked_until) == ("pending", 1, None)
    assert "boom" in row.last_error
    assert await services.jobs.run_pending() == 0  # backing off: not due yet

    async with services.db.write() as conn:
        await conn.execute(
            schema.jobs.update()
            .where(schema.jobs.c.id == job_id)
            .values(attempts=MAX_ATTEMPTS - 1, run_after=row.created_at)
        )
    assert await services.jobs.run_pending() == 1
    (row,) = await job_rows(services)
    assert (row.state, row.attempts) == ("parked", MAX_ATTEMPTS)
    assert await services.jobs.run_pending() == 0


async def test_expired_lease_is_claimed_again_and_the_old_holder_is_fenced_off(
    make_services: MakeServices,
) -> None:
    a, b = make_services(), make_services()
    a.jobs.lease = timedelta(seconds=60)
    await enqueue_many(a, "test_slow", 1)
    # Both workers on one clock the test moves (from after the enqueue, so
    # the job is due): the lease runs out when the test says, not after a
    # sleep that a loaded machine could stretch past the lease anyway.
    clock = ManualClock(start=datetime.now(UTC).timestamp())
    for runner in (a.jobs, b.jobs):
        runner.clock = lambda: datetime.fromtimestamp(clock(), UTC)
    (stale,) = await a.jobs.claim()
    clock.advance(59)
    assert await b.jobs.claim() == []  # leased to a
    clock.advance(2)
    (taken,) = await b.jobs.claim()  # a hung past its lease
    assert taken.id == stale.id

    # a wakes up: its checkpoint is refused, its failure is not recorded.
    with pytest.raises(LeaseLost):
        await stale.checkpoint(after=5)
    assert not await stale.renew()

    async def fail(job: Job) -> None:
        raise RuntimeError("late")

    a.jobs.register("test_slow", fail)
    await a.jobs.run_job(stale)
    (row,) = await job_rows(a)
    assert row.attempts == 0 and row.last_error is None and row.payload == {"n": 0}
    assert taken.lease is not None
    assert naive_utc(row.locked_until) == naive_utc(taken.lease)  # still b's lease

    progress: list[int] = []

    async def resume(job: Job) -> None:
        await job.checkpoint(after=7)
        progress.append(job.payload["after"])

    b.jobs.register("test_slow", resume)
    await b.jobs.run_job(taken)
    assert progress == [7]
    assert await job_rows(a) == []


async def test_heartbeat_keeps_a_slow_job_to_its_runner(make_services: MakeServices) -> None:
    a, b = make_services(), make_services()
    a.jobs.lease = timedelta(milliseconds=600)  # renewed every 0.2 s
    runs: list[int] = []

    async def slow(job: Job) -> None:
        runs.append(job.id)
        await anyio.sleep(1.5)  # well past the lease, without checkpoints

    a.jobs.register("test_slow", slow)
    b.jobs.register("test_slow", slow)
    await enqueue_many(a, "test_slow", 2)
    a.jobs.batch_size = 2  # the second job waits in a's batch meanwhile
    async with anyio.create_task_group() as group:
        group.start_soon(partial(a.jobs.run_forever, poll_interval=0.05))
        for _ in range(12):
            await anyio.sleep(0.2)
            assert await b.jobs.claim() == []
        await wait_until_no_jobs(a)
        a.jobs.stop()
    assert len(runs) == 2 == len(set(runs))


async def test_stop_finishes_the_current_job_and_releases_the_rest(
    make_services: MakeServices,
) -> None:
    a, b = make_services(), make_services()
    started, finish = anyio.Event(), anyio.Event()
    done: list[int] = []

    async def gated(job: Job) -> None:
        started.set()
        await finish.wait()
        done.append(int(job.payload["n"]))

    a.jobs.register("test_gated", gated)
    a.jobs.batch_size = 10
    await enqueue_many(a, "test_gated", 10)
    async with anyio.create_task_group() as group:
        group.start_soon(partial(a.jobs.run_forever, poll_interval=0.05))
        with anyio.fail_after(10):
            await started.wait()
        a.jobs.stop()
        await anyio.sleep(0.1)
        finish.set()  # the running job completes after the stop request
    assert done == [0]
    rows = await job_rows(a)
    assert [r.payload["n"] for r in rows] == list(range(1, 10))
    assert all(r.locked_until is None for r in rows)
    assert len(await b.jobs.claim()) == 9  # free for another worker at once


async def test_notify_wakes_a_sleeping_loop(make_services: MakeServices) -> None:
    services = make_services()
    ran = anyio.Event()

    async def record(job: Job) -> None:
        ran.set()

    services.jobs.register("test_record", record)
    # Polling every minute: only notify() and stop() can make this quick.
    with anyio.fail_after(10):
        async with anyio.create_task_group() as group:
            group.start_soon(partial(services.jobs.run_forever, poll_interval=60, concurrency=2))
            await anyio.sleep(0.2)  # both loops asleep on an empty table
            await enqueue_many(services, "test_record", 1)
            services.jobs.notify()
            await ran.wait()
            services.jobs.stop()


@pytest.mark.redis
async def test_commit_in_one_process_wakes_workers_through_redis(
    make_services: MakeServices,
) -> None:
    require_service("Redis", "127.0.0.1", 6379)
    prefix = f"roost-test-{os.getpid()}-wakeups:"
    app = make_services(redis_url=REDIS_URL, redis_key_prefix=prefix)
    worker = make_services(redis_url=REDIS_URL, redis_key_prefix=prefix)
    ran = anyio.Event()

    async def record(job: Job) -> None:
        ran.set()

    worker.jobs.register("test_record", record)
    with anyio.fail_after(10):
        async with anyio.create_task_group() as group:
            group.start_soon(partial(worker.jobs.run_forever, poll_interval=60))
            await anyio.sleep(0.3)  # subscribed, and asleep on an empty table
            await enqueue_many(app, "test_record", 1)
            app.jobs.notify()  # the app runs no loop: only Redis can wake the worker
            await ran.wait()
            worker.jobs.stop()


async def test_heartbeat_racing_a_finished_job_is_silent_and_a_real_loss_is_not(
    make_services: MakeServices, caplog: pytest.LogCaptureFixture
) -> None:
    a = make_services()
    await enqueue_many(a, "test_quick", 2)

    async def quick(job: Job) -> None:
        pass

    a.jobs.register("test_quick", quick)
    first, second = await a.jobs.claim()
    caplog.set_level(logging.WARNING, logger="roost.jobs")
    # The beat takes its list of held jobs, then waits on the first one's
    # renewal while the second finishes and its row is deleted.
    async with first.lease_lock:
        beat = asyncio.ensure_future(a.jobs.renew_held())
        await asyncio.sleep(0)
        await a.jobs.run_job(second)
    await beat
    assert [r.getMessage() for r in caplog.records] == []

    # Another worker's lease on the first job: that loss is reported.
    async with a.db.write() as conn:
        await conn.execute(
            schema.jobs.update()
            .where(schema.jobs.c.id == first.id)
            .values(locked_until=datetime.now(UTC) + timedelta(hours=1))
        )
    await a.jobs.renew_held()
    messages = [r.getMessage() for r in caplog.records]
    assert messages == [f"job {first.id} (test_quick): lease lost, another worker took it over"]


async def test_a_batch_handler_runs_its_kind_together_and_leaves_the_rest(
    make_services: MakeServices,
) -> None:
    services = make_services()
    ran: list[tuple[str, int]] = []
    batches: list[list[int]] = []

    async def one(job: Job) -> None:
        ran.append((job.kind, int(job.payload["n"])))

    async def together(jobs: list[Job]) -> list[Job]:
        batches.append([int(j.payload["n"]) for j in jobs])
        ran.extend(("together", int(j.payload["n"])) for j in jobs if int(j.payload["n"]) % 3)
        return [j for j in jobs if int(j.payload["n"]) % 3 == 0]  # left: one by one

    services.jobs.register("test_batched", one)
    services.jobs.register_batch("test_batched", together)
    services.jobs.register("test_other", one)
    await enqueue_many(services, "test_other", 1)
    await enqueue_many(services, "test_batched", 4)
    await enqueue_many(services, "test_other", 1)
    await enqueue_many(services, "test_batched", 5)
    services.jobs.batch_size = 6
    assert await services.jobs.run_pending() == 11
    # Claims of 6: consecutive jobs of the kind together, in their place
    # among the other kind's; what the batch left runs next, one by one.
    assert batches == [[0, 1, 2, 3], [0, 1, 2, 3, 4]]
    assert ran == [
        ("test_other", 0),
        *[("together", 1), ("together", 2)],
        *[("test_batched", 0), ("test_batched", 3)],
        ("test_other", 0),
        *[("together", 1), ("together", 2), ("together", 4)],
        *[("test_batched", 0), ("test_batched", 3)],
    ]
    assert await job_rows(services) == []


async def test_a_failed_batch_runs_each_job_alone(make_services: MakeServices) -> None:
    services = make_services()
    alone: list[int] = []

    async def one(job: Job) -> None:
        if job.payload["n"] == 2:
            raise RuntimeError("this one is broken")
        alone.append(int(job.payload["n"]))

    async def together(jobs: list[Job]) -> list[Job]:
        raise RuntimeError("the batch failed")

    services.jobs.register("test_batched", one)
    services.jobs.register_batch("test_batched", together)
    await enqueue_many(services, "test_batched", 4)
    assert await services.jobs.run_pending() == 4
    assert sorted(alone) == [0, 1, 3]
    (row,) = await job_rows(services)  # only the broken one is left, to retry
    assert row.payload == {"n": 2} and row.attempts == 1 and row.state == "pending"


async def test_one_beat_renews_a_large_claim_in_one_statement(
    make_services: MakeServices, caplog: pytest.LogCaptureFixture
) -> None:
    """The jobs of one claim share a lease: a beat renews them together
    (one UPDATE, not one per job), each gets the new lease, and one that
    another worker took over meanwhile is still reported lost."""
    from sqlalchemy import event

    a = make_services()
    await enqueue_many(a, "test_quick", 30)
    claimed = await a.jobs.claim()
    assert len(claimed) == 30
    old = claimed[0].lease
    assert old is not None and all(j.lease == old for j in claimed)
    taken = claimed[7]
    async with a.db.write() as conn:
        await conn.execute(
            schema.jobs.update()
            .where(schema.jobs.c.id == taken.id)
            .values(locked_until=datetime.now(UTC) + timedelta(hours=1))
        )
    updates: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if statement.lstrip().upper().startswith("UPDATE"):
            updates.append(statement)

    engine = a.db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    caplog.set_level(logging.WARNING, logger="roost.jobs")
    try:
        await asyncio.sleep(0.01)  # the clock moves: a new lease differs
        await a.jobs.renew_held()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert len(updates) == 1
    renewed = [j for j in claimed if j is not taken]
    assert all(j.lease is not None and j.lease > old for j in renewed)
    assert taken.lease == old
    assert [r.getMessage() for r in caplog.records] == [
        f"job {taken.id} (test_quick): lease lost, another worker took it over"
    ]
    rows = {r.id: r.locked_until for r in await job_rows(a)}
    assert all(naive_utc(rows[j.id]) == naive_utc(j.lease) for j in renewed)  # type: ignore[arg-type]
