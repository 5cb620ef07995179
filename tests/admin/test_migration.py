"""Migration 0016_social upgrades over existing accounts, follows and mutes
(keeping the search indexes of accounts) and downgrades cleanly, on SQLite
and PostgreSQL."""

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

NEW_TABLES = {"endorsements", "domain_blocks", "featured_tags", "suggestion_dismissals", "reports"}


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    yield from empty_database(request.param, tmp_path, "social")


def _upgrade(connection: sa.Connection, revision: str) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


def _shape(connection: sa.Connection) -> tuple[set[str], set[str], set[str]]:
    inspector = sa.inspect(connection)
    tables = set(inspector.get_table_names())
    columns = {c["name"] for c in inspector.get_columns("accounts")}
    # Read from the catalogue: SQLAlchemy does not reflect expression indexes.
    if connection.dialect.name == "sqlite":
        query = "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'accounts'"
    else:
        query = "SELECT indexname FROM pg_indexes WHERE tablename = 'accounts'"
    indexes = {str(r[0]) for r in connection.execute(sa.text(query)).all()}
    return tables, columns, indexes


async def _run(url: str) -> None:
    engine = make_engine(url)
    try:
        await migrate(engine)
        async with engine.begin() as conn:
            await conn.run_sync(downgrade, "0015_conversations")
            tables, columns, before_indexes = await conn.run_sync(_shape)
            assert not NEW_TABLES & tables
            assert "suspended_at" not in columns
            now = datetime.now(UTC)
            await conn.execute(
                sa.text(
                    "INSERT INTO accounts (id, username, username_key, email, password_hash, "
                    "created_at) VALUES (1, 'old', 'old', 'old@example.com', 'x', :now)"
                ),
                {"now": now},
            )
            await conn.run_sync(_upgrade, "0016_social")
            tables, columns, indexes = await conn.run_sync(_shape)
            assert tables >= NEW_TABLES
            assert {"suspended_at", "silenced_at", "disabled", "sensitized_at"} <= columns
            # The accounts' other indexes (search's included) are all still there.
            assert indexes >= before_indexes
            assert any("display_name" in name for name in before_indexes)
            row = (await conn.execute(sa.text("SELECT disabled, suspended_at FROM accounts"))).one()
            assert not row[0] and row[1] is None
    finally:
        await engine.dispose()


def test_upgrade_keeps_accounts_and_downgrade_removes_everything(url: str) -> None:
    asyncio.run(_run(url))
