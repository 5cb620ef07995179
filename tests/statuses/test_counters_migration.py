"""Migration 0003_counters: the old statuses.*_count values move into
status_counters and back on downgrade, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from roost.db.engine import make_engine
from roost.db.migrate import migrate
from tests.db.support import downgrade, empty_database


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    yield from empty_database(request.param, tmp_path, "counters")


async def _scenario(url: str) -> dict[str, Any]:
    engine = make_engine(url)
    seen: dict[str, Any] = {}
    try:
        await migrate(engine, "0002_accounts")
        async with engine.begin() as conn:
            await conn.execute(
                sa.text(
                    "INSERT INTO statuses (id, account_id, created_at, favourites_count,"
                    " reblogs_count, replies_count) VALUES"
                    " (1, 9, CURRENT_TIMESTAMP, 5, 2, 1), (2, 9, CURRENT_TIMESTAMP, 0, 0, 0)"
                )
            )
        await migrate(engine, "0003_counters")
        async with engine.begin() as conn:
            rows = await conn.execute(sa.text("SELECT * FROM status_counters ORDER BY status_id"))
            seen["moved"] = [tuple(r) for r in rows]
            columns = await conn.run_sync(
                lambda c: {col["name"] for col in sa.inspect(c).get_columns("statuses")}
            )
            seen["old_columns_left"] = {c for c in columns if c.endswith("_count")}
            # Another shard of status 1, as likes after the upgrade would add.
            await conn.execute(
                sa.text(
                    "INSERT INTO status_counters (status_id, shard, favourites) VALUES (1, 7, 3)"
                )
            )
        async with engine.begin() as conn:
            await conn.run_sync(downgrade, "0002_accounts")
        async with engine.begin() as conn:
            rows = await conn.execute(
                sa.text(
                    "SELECT id, favourites_count, reblogs_count, replies_count"
                    " FROM statuses ORDER BY id"
                )
            )
            seen["restored"] = [tuple(r) for r in rows]
        await migrate(engine)
    finally:
        await engine.dispose()
    return seen


def test_counts_move_to_shard_zero_and_back(database_url: str) -> None:
    seen = asyncio.run(_scenario(database_url))
    assert seen["moved"] == [(1, 0, 5, 2, 1)]  # zero counts need no row
    assert seen["old_columns_left"] == set()
    assert seen["restored"] == [(1, 8, 2, 1), (2, 0, 0, 0)]
