"""Shared helpers of the seed tests."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable

from roost.config import Settings
from roost.db import schema
from roost.db.migrate import migrate
from roost.services import Services, build_services


@contextlib.asynccontextmanager
async def seed_services(settings: Settings) -> AsyncIterator[Services]:
    """Services on a migrated database with every table emptied."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    services = build_services(settings)
    try:
        await migrate(services.db.engine)
        async with services.db.write() as conn:
            for table in reversed(schema.metadata.sorted_tables):
                await conn.execute(table.delete())
        await services.cache.clear()
        await services.timelines.clear()
        yield services
    finally:
        await services.close()


def run(settings: Settings, body: Callable[[Services], Awaitable[None]]) -> None:
    """Run ``body`` against a migrated, emptied database of ``settings``."""

    async def main() -> None:
        async with seed_services(settings) as services:
            await body(services)

    asyncio.run(main())
