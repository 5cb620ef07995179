"""Fan-out survives a ``roost worker`` killed with SIGKILL in the middle of a
job: another worker takes the job over once the lease runs out (within
5 s with the default lease), resumes from the last checkpoint, and every
follower ends up with the post exactly once (PostgreSQL + Redis, real
worker processes)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import anyio
import pytest
import redis.asyncio
import sqlalchemy as sa

from roost.config import Settings
from roost.db import schema
from roost.kernel.cachekeys import home_key
from roost.services import Services
from roost.statuses.drafts import NewStatus
from roost.statuses.service import post_status
from tests.conftest import REDIS_URL
from tests.resilience.conftest import StartWorker, empty_services

pytestmark = pytest.mark.anyio

FOLLOWERS = 5_000
BATCH = 20
RESUMED_WITHIN = 5.0  # seconds from the kill, with the default lease


async def seed_followers(services: Services, count: int) -> tuple[int, list[int]]:
    """An author and ``count`` followers, inserted in bulk."""
    now = datetime.now(UTC)
    ids = [services.ids.next_id() for _ in range(count + 1)]
    author, followers = ids[0], ids[1:]
    accounts = [
        {
            "id": account_id,
            "username": f"u{n}",
            "username_key": f"u{n}",
            "email": f"u{n}@example.com",
            "password_hash": "-",
            "created_at": now,
            "followers_count": count if n == 0 else 0,
            "following_count": 0 if n == 0 else 1,
        }
        for n, account_id in enumerate(ids)
    ]
    follows = [
        {
            "account_id": follower,
            "target_account_id": author,
            "id": services.ids.next_id(),
            "created_at": now,
        }
        for follower in followers
    ]
    async with services.db.write() as conn:
        await conn.execute(schema.accounts.insert(), accounts)
        await conn.execute(schema.follows.insert(), follows)
    return author, followers


async def copies_of(client: redis.asyncio.Redis, keys: Sequence[str], status_id: int) -> list[int]:
    """How many times each timeline holds ``status_id`` (raw values: a
    marker byte, then 8-byte big-endian ids)."""
    packed = status_id.to_bytes(8, "big")
    pipe = client.pipeline(transaction=False)
    for key in keys:
        pipe.get(key)
    counts = []
    for value in await pipe.execute():
        assert value is not None and value[:1] == b"\x01", "a marked timeline went missing"
        body = value[1:]
        counts.append(sum(body[i : i + 8] == packed for i in range(0, len(body), 8)))
    return counts


async def job_rows(services: Services) -> list[sa.Row[tuple[object, ...]]]:
    """The jobs left, but for the workers' own periodic jobs."""
    j = schema.jobs
    own = j.c.kind.in_(["trends_refresh", "media_sweep", "search_recent_index"])
    async with services.db.read(primary=True) as conn:
        return list((await conn.execute(sa.select(j).where(sa.not_(own)))).all())


async def test_fanout_survives_sigkill_of_its_worker(
    scale_out_settings: Settings,
    services_factory: list[Services],
    start_worker: StartWorker,
    tmp_path: Path,
) -> None:
    settings = scale_out_settings.replace(redis_url=REDIS_URL, fanout_batch_size=BATCH)
    assert settings.job_lease_seconds == Settings().job_lease_seconds
    services = await empty_services(settings)
    services_factory.append(services)
    raw = redis.asyncio.Redis.from_url(REDIS_URL)
    try:
        with anyio.fail_after(60):
            author, followers = await seed_followers(services, FOLLOWERS)
            # Every follower's timeline exists (fan-out skips missing ones);
            # marked 500 at a time, not in 5,000 sequential round trips.
            for start in range(0, FOLLOWERS, 500):
                chunk = followers[start : start + 500]
                await asyncio.gather(*(services.timelines.mark(home_key(f)) for f in chunk))
            status_id = await post_status(services, NewStatus(author_id=author, text="to everyone"))
            redis_keys = [f"{settings.redis_key_prefix}tl:{{{home_key(f)}}}" for f in followers]
            # Fan-out goes in follow order: once the first follower of the
            # second batch has the post, the first batch is checkpointed.
            watched = redis_keys[BATCH]
            packed = status_id.to_bytes(8, "big")

            first = start_worker(settings)
            while packed not in (await raw.get(watched) or b""):
                assert first.poll() is None, (tmp_path / "worker-0.log").read_text()
                await anyio.sleep(0.002)
            first.kill()
            killed_at = time.monotonic()
            first.wait()

            reached = await copies_of(raw, redis_keys, status_id)
            assert 0 < sum(reached) < FOLLOWERS, "not killed mid-job"
            assert set(reached) == {0, 1}
            # The post's notification job may have run or not: the fan-out's is left.
            (job,) = [j for j in await job_rows(services) if j.kind == "fanout_status"]
            assert job.state == "pending"
            assert job.locked_until is not None  # still leased to the dead worker
            assert int(job.payload["after"]) > 0  # resumes after its last checkpoint

            second = start_worker(settings)
            # Resumed: the job carries a new lease or a later checkpoint.
            with anyio.fail_after(RESUMED_WITHIN - (time.monotonic() - killed_at)):
                while (rows := await job_rows(services)) and (
                    rows[0].locked_until == job.locked_until
                ):
                    assert second.poll() is None, (tmp_path / "worker-1.log").read_text()
                    await anyio.sleep(0.05)
            print(f"resumed {time.monotonic() - killed_at:.2f} s after the kill")
            while await job_rows(services):
                assert second.poll() is None, (tmp_path / "worker-1.log").read_text()
                await anyio.sleep(0.1)

        assert await copies_of(raw, redis_keys, status_id) == [1] * FOLLOWERS
        log = (tmp_path / "worker-1.log").read_text()
        assert "Traceback" not in log and "failed" not in log, log
    finally:
        await raw.aclose()
