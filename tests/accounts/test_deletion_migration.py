"""Migration 0021_account_deletion adds ``accounts.deleted_at`` over existing
accounts (unset: nobody is deleted) and downgrades cleanly, keeping the
accounts' other indexes (search's included), on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command

from roost.db.engine import make_engine
from roost.db.migrate import alembic_config, migrate
from tests.db.support import downgrade, empty_database


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    yield from empty_database(request.param, tmp_path, "deletion")


def _upgrade(connection: sa.Connection, revision: str) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


def _shape(connection: sa.Connection) -> tuple[set[str], set[str]]:
    columns = {c["name"] for c in sa.inspect(connection).get_columns("accounts")}
    if connection.dialect.name == "sqlite":
        query = "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'accounts'"
    else:
        query = "SELECT indexname FROM pg_indexes WHERE tablename = 'accounts'"
    indexes = {str(r[0]) for r in connection.execute(sa.text(query)).all()}
    return columns, indexes


async def _run(url: str) -> None:
    engine = make_engine(url)
    try:
        await migrate(engine)
        async with engine.begin() as conn:
            _, full_indexes = await conn.run_sync(_shape)
            await conn.run_sync(downgrade, "0020_scheduled_statuses")
            columns, indexes = await conn.run_sync(_shape)
            assert "deleted_at" not in columns
            assert indexes == full_indexes
            await conn.execute(
                sa.text(
                    "INSERT INTO accounts (id, username, username_key, email, password_hash, "
                    "created_at) VALUES (1, 'old', 'old', 'old@example.com', 'x', :now)"
                ),
                {"now": datetime.now(UTC)},
            )
            await conn.run_sync(_upgrade, "0021_account_deletion")
            columns, indexes = await conn.run_sync(_shape)
            assert "deleted_at" in columns and indexes == full_indexes
            deleted = (await conn.execute(sa.text("SELECT deleted_at FROM accounts"))).scalar()
            assert deleted is None
    finally:
        await engine.dispose()


def test_upgrade_keeps_accounts_and_downgrade_removes_the_column(url: str) -> None:
    asyncio.run(_run(url))
