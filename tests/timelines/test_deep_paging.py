"""Paging past the capped home cache, and fan-out in checkpointed batches
(a tiny cache and batch size make both visible)."""

from __future__ import annotations

import asyncio

import pytest

from roost.config import Settings
from roost.db import schema
from roost.jobs.queue import enqueue
from roost.jobs.runner import Job
from roost.timelines.fanout import fanout_status
from tests.helpers import ApiClient
from tests.timelines.support import cached_home, follow, home, post


async def _expire_leases(client: ApiClient) -> None:
    """What the passing of LEASE time does to a job whose worker died."""
    async with client.services.db.write() as conn:
        await conn.execute(schema.jobs.update().values(locked_until=None))


class _DiesAfterCheckpoint(Job):
    """A job whose worker is killed right after its first checkpoint commits."""

    async def checkpoint(self, **progress: object) -> None:
        await super().checkpoint(**progress)
        task = asyncio.current_task()
        assert task is not None
        task.cancel()
        await asyncio.sleep(0)  # the cancellation lands here


async def _enqueue_fanout(client: ApiClient, status_id: int) -> None:
    services = client.services
    async with services.db.write() as conn:
        await enqueue(conn, services.ids, "fanout_status", {"status_id": status_id})


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # A short cache so the tests below can page past it.
    return settings.replace(home_timeline_length=5, fanout_batch_size=2)


def test_paging_past_the_capped_cache_reads_the_database(client: ApiClient) -> None:
    alice, bob = client.make_user("alice"), client.make_user("bob")
    follow(client, alice, bob)
    client.drain()
    ids: list[str] = []
    for i in range(12):
        ids.insert(0, post(client, bob if i % 3 else alice, f"post {i}"))
    post(client, client.make_user("carol"), "not followed")
    client.drain()
    assert home(client, alice, limit=4) == ids[:4]
    assert home(client, alice, max_id=ids[3], limit=4) == ids[4:8]  # crosses the cache edge
    assert home(client, alice, max_id=ids[7], limit=40) == ids[8:]
    assert home(client, alice, min_id=ids[10], limit=3) == ids[7:10]  # upwards below the cache
    assert home(client, alice, max_id=ids[-1]) == []
    assert home(client, alice, limit=40) == ids


def test_interrupted_fanout_resumes_from_checkpoint(client: ApiClient) -> None:
    """A worker dies after the first batch's checkpoint; the job runs again
    from the stored payload and every follower gets the status once."""
    star = client.make_user("star")
    fans = [client.make_user(f"fan{i}") for i in range(5)]
    for fan in fans:
        follow(client, fan, star)
    client.drain()
    for fan in fans:
        home(client, fan)
    status_id = post(client, star, "to everyone")
    services = client.services

    async def run_until_first_checkpoint() -> dict[str, object]:
        jobs = await services.jobs.claim()
        # One job per post: its fan-out also makes its notifications.
        (claimed,) = jobs
        assert claimed.kind == "fanout_status"
        job = _DiesAfterCheckpoint(
            claimed.id, claimed.kind, claimed.payload, claimed.attempts, services, claimed.lease
        )
        task = asyncio.create_task(fanout_status(job))
        with pytest.raises(asyncio.CancelledError):
            await task
        return dict(job.payload)

    payload = client.call(run_until_first_checkpoint)
    reached = [f for f in fans if int(status_id) in (cached_home(client, f) or [])]
    assert len(reached) == 2  # the first batch (fanout_batch_size=2) only
    assert "after" in payload

    # The claimed job's lease is still held; a restarted worker retries it
    # once the lease is over. Simulate the lease running out.
    client.call(_expire_leases, client)
    assert client.drain() == 1
    for fan in fans:
        assert home(client, fan).count(status_id) == 1, fan.username

    # Re-running the job from scratch is harmless too (pushes dedupe).
    client.call(_enqueue_fanout, client, int(status_id))
    assert client.drain() == 1
    for fan in fans:
        assert home(client, fan).count(status_id) == 1
