"""Migration 0010_search upgrades over existing statuses (indexing them)
and downgrades cleanly, on SQLite and PostgreSQL."""

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
    yield from empty_database(request.param, tmp_path, "search")


def _upgrade(connection: sa.Connection, revision: str) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


async def _run(url: str) -> tuple[int, int, list[str]]:
    engine = make_engine(url)
    try:
        await migrate(engine)
        async with engine.begin() as conn:
            await conn.run_sync(downgrade, "0008_notifications")
            now = datetime.now(UTC)
            await conn.execute(
                sa.text(
                    "INSERT INTO statuses (id, account_id, text, content, spoiler_text, "
                    "sensitive, visibility, latitude, longitude, created_at) VALUES "
                    "(4194304000000, 1, 'an old pelican', '', '', false, 0, 48.85, 2.35, :now)"
                ),
                {"now": now},
            )
            await conn.run_sync(_upgrade, "0010_search")
        async with engine.connect() as conn:
            cells = await conn.scalar(sa.text("SELECT count(*) FROM status_cells"))
            if engine.dialect.name == "postgresql":
                found = await conn.scalar(
                    sa.text(
                        "SELECT count(*) FROM search_statuses "
                        "WHERE vector @@ websearch_to_tsquery('simple', 'pelican')"
                    )
                )
            else:
                found = await conn.scalar(
                    sa.text(
                        "SELECT count(*) FROM search_statuses WHERE search_statuses MATCH 'pelican'"
                    )
                )
        async with engine.begin() as conn:
            await conn.run_sync(downgrade, "0008_notifications")
            tables = await conn.run_sync(lambda c: sorted(sa.inspect(c).get_table_names()))
        return int(cells or 0), int(found or 0), tables
    finally:
        await engine.dispose()


def test_upgrade_indexes_existing_statuses_and_downgrade_removes_everything(url: str) -> None:
    cells, found, tables = asyncio.run(_run(url))
    assert cells == 5 and found == 1
    assert not [t for t in tables if t.startswith("search_") or t.startswith("tag_")]
    assert "status_cells" not in tables and "statuses" in tables
