"""Unique Snowflake worker ids (roost.worker_lease): leased from Redis or
from the database, released at exit, taken over once expired."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from roost.config import Settings
from roost.db import schema
from roost.db.engine import Database
from roost.db.migrate import migrate
from roost.db.worker_ids import DatabaseWorkerIds
from roost.ids import MAX_WORKER, SEQUENCE_BITS, IdGenerator
from roost.infra.redis_backends import RedisClient, close_redis, connect_redis
from roost.infra.redis_client import delete_prefixed
from roost.infra.redis_worker_ids import RedisWorkerIds
from roost.services import build_services
from roost.worker_lease import NoWorkerId, WorkerIdStore, WorkerLease
from tests.conftest import REDIS_URL, require_service

pytestmark = pytest.mark.anyio

PROCESSES = 64


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def redis_client() -> AsyncIterator[RedisClient]:
    require_service("Redis", "127.0.0.1", 6379)
    client = connect_redis(REDIS_URL)
    yield client
    await close_redis(client)


@pytest.fixture
async def redis_prefix(redis_client: RedisClient) -> AsyncIterator[str]:
    prefix = f"roost-test-{os.getpid()}-worker-ids:"
    yield prefix
    await delete_prefixed(redis_client, prefix)


@pytest.fixture
async def pg_databases(pg_database_url: str) -> AsyncIterator[list[Database]]:
    """Eight connection pools on the test database (as eight hosts would have)."""
    databases = [Database(pg_database_url, pool_size=4) for _ in range(8)]
    await migrate(databases[0].engine)
    async with databases[0].write() as conn:
        await conn.execute(schema.worker_ids.delete())
    yield databases
    for db in databases:
        await db.dispose()


async def _start_many(stores: list[WorkerIdStore]) -> list[WorkerLease]:
    leases = [
        WorkerLease(stores[n % len(stores)], IdGenerator(0), ttl=60) for n in range(PROCESSES)
    ]
    await asyncio.gather(*(lease.start() for lease in leases))
    return leases


def _worker_of(snowflake: int) -> int:
    return (snowflake >> SEQUENCE_BITS) & MAX_WORKER


async def test_64_processes_starting_together_get_distinct_ids_from_redis(
    redis_client: RedisClient, redis_prefix: str
) -> None:
    store = RedisWorkerIds(redis_client, prefix=redis_prefix, max_id=MAX_WORKER)
    leases = await _start_many([store])
    workers = {_worker_of(lease.ids.next_id()) for lease in leases}
    assert len(workers) == PROCESSES
    for lease in leases:
        await lease.stop()
    assert await redis_client.keys(redis_prefix + "*") == []


async def test_64_processes_starting_together_get_distinct_ids_from_postgresql(
    pg_databases: list[Database],
) -> None:
    stores: list[WorkerIdStore] = [DatabaseWorkerIds(db, max_id=MAX_WORKER) for db in pg_databases]
    leases = await _start_many(stores)
    workers = {_worker_of(lease.ids.next_id()) for lease in leases}
    assert len(workers) == PROCESSES
    for lease in leases:
        await lease.stop()
    async with pg_databases[0].read(primary=True) as conn:
        assert (await conn.execute(schema.worker_ids.select())).all() == []


@pytest.fixture(params=["redis", "postgresql"])
def small_store(request: pytest.FixtureRequest) -> WorkerIdStore:
    """A store of only four ids (0-3), to run out of them."""
    if request.param == "redis":
        client: RedisClient = request.getfixturevalue("redis_client")
        prefix: str = request.getfixturevalue("redis_prefix")
        return RedisWorkerIds(client, prefix=prefix, max_id=3)
    databases: list[Database] = request.getfixturevalue("pg_databases")
    return DatabaseWorkerIds(databases[0], max_id=3)


async def test_a_released_id_is_free_again(small_store: WorkerIdStore) -> None:
    leases = [WorkerLease(small_store, IdGenerator(0), ttl=60) for _ in range(4)]
    ids = [await lease.start() for lease in leases]
    assert sorted(ids) == [0, 1, 2, 3]
    with pytest.raises(NoWorkerId):
        await WorkerLease(small_store, IdGenerator(0), ttl=60).start()
    await leases[2].stop()
    late = WorkerLease(small_store, IdGenerator(0), ttl=60)
    assert await late.start() == ids[2]
    for lease in [*leases, late]:
        await lease.stop()


async def _expire_everything(store: WorkerIdStore) -> None:
    """Leave all four ids held by a process that died a while ago."""
    if isinstance(store, RedisWorkerIds):
        for n in range(4):
            await store.client.set(f"{store.namespace}{n}", "dead", px=1)
        await asyncio.sleep(0.01)  # Redis expires them by its own clock
        return
    assert isinstance(store, DatabaseWorkerIds)
    past = datetime.now(UTC) - timedelta(seconds=1)
    async with store.db.write() as conn:
        await conn.execute(
            schema.worker_ids.insert(),
            [{"worker_id": n, "owner": "dead", "expires_at": past} for n in range(4)],
        )


async def test_an_expired_lease_is_taken_over(small_store: WorkerIdStore) -> None:
    await _expire_everything(small_store)
    lease = WorkerLease(small_store, IdGenerator(0), ttl=60)
    assert await lease.start() in range(4)
    await lease.stop()


async def test_a_lease_taken_over_meanwhile_moves_to_a_free_id(small_store: WorkerIdStore) -> None:
    lease = WorkerLease(small_store, IdGenerator(0), ttl=60)
    first = await lease.start()
    # Its lease ran out (this process could not renew) and another took it.
    await small_store.release(first, lease.owner)
    assert await small_store.acquire("other", ttl=60, preferred=[first]) == first
    await lease.renew()
    assert lease.worker_id != first
    assert _worker_of(lease.ids.next_id()) == lease.worker_id
    await lease.stop()


async def test_a_vanished_lease_is_taken_again(small_store: WorkerIdStore) -> None:
    """Redis flushed (or the table emptied): the owner keeps its id."""
    lease = WorkerLease(small_store, IdGenerator(0), ttl=60)
    first = await lease.start()
    await small_store.release(first, lease.owner)
    await lease.renew()
    assert lease.worker_id == first
    with pytest.raises(NoWorkerId):
        # The id is held again: the other three are all that is left.
        for _ in range(4):
            await WorkerLease(small_store, IdGenerator(0), ttl=60).start()
    await lease.stop()


async def test_services_lease_an_id_unless_it_is_pinned(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    services = build_services(settings)
    await migrate(services.db.engine)
    await services.start()
    assert services.worker_lease is not None
    leased = services.worker_lease.worker_id
    async with services.db.read() as conn:
        rows = (await conn.execute(schema.worker_ids.select())).all()
    assert [row.worker_id for row in rows] == [leased]
    assert _worker_of(services.ids.next_id()) == leased
    await services.close()
    check = Database(settings.effective_database_url)
    async with check.read() as conn:
        assert (await conn.execute(schema.worker_ids.select())).all() == []
    await check.dispose()
    pinned = build_services(settings.replace(worker_id=7))
    await pinned.start()
    assert pinned.worker_lease is None
    assert _worker_of(pinned.ids.next_id()) == 7
    await pinned.close()
