"""The scale-out deployment for failure tests: PostgreSQL plus Redis, with
keys under a prefix of each test's own (inside the session's prefix, which
the session cleans up)."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Protocol

import pytest

from roost.config import Settings
from roost.db import schema
from roost.db.migrate import migrate
from roost.services import Services, build_services
from tests.helpers import CHEAP_PASSWORD_HASHING

_prefixes = itertools.count()


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def scale_out_settings(pg_database_url: str, redis_key_prefix: str, tmp_path: Path) -> Settings:
    """PostgreSQL and Redis settings; ``redis_url`` left for the test to pick."""
    return Settings(
        data_dir=tmp_path / "data",
        database_url=pg_database_url,
        redis_key_prefix=f"{redis_key_prefix}r{next(_prefixes)}:",
        run_workers=False,
        public_url="http://testserver",
        domain="testserver",
        worker_id=1,
        rate_limits=False,
    ).replace(**CHEAP_PASSWORD_HASHING)


async def empty_services(settings: Settings) -> Services:
    """Services on a migrated database with every table emptied (the
    session's PostgreSQL database is shared by the tests, one at a time)."""
    services = build_services(settings)
    await migrate(services.db.engine)
    async with services.db.write() as conn:
        for table in reversed(schema.metadata.sorted_tables):
            await conn.execute(table.delete())
    return services


@pytest.fixture
async def services_factory() -> AsyncIterator[list[Services]]:
    """Services built by a test and closed after it."""
    made: list[Services] = []
    yield made
    for services in made:
        await services.close()


class StartWorker(Protocol):
    def __call__(self, settings: Settings) -> subprocess.Popen[bytes]: ...


@pytest.fixture
def start_worker(tmp_path: Path) -> Iterator[StartWorker]:
    """``roost worker`` processes; any still running at the end are killed."""
    processes: list[subprocess.Popen[bytes]] = []

    def start(settings: Settings) -> subprocess.Popen[bytes]:
        env = {
            **os.environ,
            "ROOST_DATABASE_URL": settings.database_url,
            "ROOST_REDIS_URL": settings.redis_url,
            "ROOST_REDIS_KEY_PREFIX": settings.redis_key_prefix,
            "ROOST_FANOUT_BATCH_SIZE": str(settings.fanout_batch_size),
            "ROOST_JOB_LEASE_SECONDS": str(settings.job_lease_seconds),
            "ROOST_DATA_DIR": str(tmp_path),
            "ROOST_WORKER_ID": str(20 + len(processes)),
        }
        log = (tmp_path / f"worker-{len(processes)}.log").open("wb")
        process = subprocess.Popen(
            [sys.executable, "-m", "roost", "worker", "--poll-interval", "0.1"],
            env=env,
            stdout=log,
            stderr=log,
        )
        log.close()  # the child has its own copy
        processes.append(process)
        return process

    try:
        yield start
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
            process.wait(timeout=10)
