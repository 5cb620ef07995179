"""Run the Alembic migration history against a database URL."""

from __future__ import annotations

import functools
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def _upgrade(connection: sa.Connection, revision: str) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


async def migrate(engine: AsyncEngine, revision: str = "head") -> None:
    """Bring the schema up to ``revision`` (idempotent)."""
    async with engine.begin() as conn:
        await conn.run_sync(_upgrade, revision)


@functools.cache
def head_revisions() -> frozenset[str]:
    """The revisions this code's migration history ends at (read once)."""
    return frozenset(ScriptDirectory.from_config(alembic_config()).get_heads())


async def applied_revisions(conn: AsyncConnection) -> frozenset[str]:
    """The revisions the database says it is at (empty before the first migration)."""
    try:
        rows = await conn.execute(sa.text("SELECT version_num FROM alembic_version"))
    except sa.exc.DBAPIError as exc:
        if "alembic_version" not in str(exc.orig):
            raise
        # No version table yet: a database never migrated.
        await conn.rollback()
        return frozenset()
    return frozenset(str(r[0]) for r in rows)
