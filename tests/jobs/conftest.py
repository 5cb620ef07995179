"""Several Services on one database, as separate worker processes would be."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
import sqlalchemy as sa

from roost.config import Settings
from roost.db import schema
from roost.db.migrate import migrate
from roost.jobs.queue import enqueue
from roost.services import Services, build_services


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(params=["sqlite", "postgresql"])
def job_settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    base = Settings(data_dir=tmp_path, run_workers=False, worker_id=1)
    if request.param == "postgresql":
        return base.replace(database_url=request.getfixturevalue("pg_database_url"))
    return base


MakeServices = Callable[..., Services]


@pytest.fixture
async def make_services(job_settings: Settings) -> AsyncIterator[MakeServices]:
    """A factory of Services on one migrated database whose job table starts
    empty; each gets its own worker id, like separate processes."""
    made: list[Services] = []

    def make(**changes: object) -> Services:
        settings = job_settings.replace(worker_id=len(made) + 1, **changes)
        services = build_services(settings)
        # These tests count and claim only the jobs they enqueue: no
        # periodic jobs (the trends refresh) from running workers.
        services.jobs.periodic.clear()
        made.append(services)
        return services

    setup = make()
    await migrate(setup.db.engine)
    async with setup.db.write() as conn:
        await conn.execute(schema.jobs.delete())
    try:
        yield make
    finally:
        for services in made:
            await services.close()


async def enqueue_many(services: Services, kind: str, count: int) -> list[int]:
    async with services.db.write() as conn:
        return [await enqueue(conn, services.ids, kind, {"n": n}) for n in range(count)]


async def job_rows(services: Services) -> list[sa.Row[tuple[object, ...]]]:
    async with services.db.read(primary=True) as conn:
        return list((await conn.execute(sa.select(schema.jobs).order_by(schema.jobs.c.id))).all())
