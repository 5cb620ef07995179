"""Migration 0005_account_confirmation: accounts that exist when it runs are
confirmed and approved (nobody is locked out by upgrading); on SQLite and
PostgreSQL, down and up again."""

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

REVISION = "0005_account_confirmation"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    yield from empty_database(request.param, tmp_path, "confirmation")


def _columns(connection: sa.Connection, table: str) -> set[str]:
    return {col["name"] for col in sa.inspect(connection).get_columns(table)}


async def _scenario(url: str) -> dict[str, Any]:
    engine = make_engine(url)
    seen: dict[str, Any] = {}
    try:
        await migrate(engine, "0003_counters")
        async with engine.begin() as conn:
            await conn.execute(
                sa.text(
                    "INSERT INTO accounts (id, username, username_key, email, password_hash,"
                    " created_at) VALUES (1, 'old', 'old', 'old@example.com', 'x',"
                    " '2024-05-06 07:08:09+00:00')"
                )
            )
        await migrate(engine, REVISION)
        async with engine.begin() as conn:
            row = (
                await conn.execute(
                    sa.text(
                        "SELECT created_at, confirmed_at, approved, sign_up_reason,"
                        " created_by_app_id FROM accounts"
                    )
                )
            ).one()
            seen["row"] = row
            seen["tables"] = await conn.run_sync(lambda c: set(sa.inspect(c).get_table_names()))
        async with engine.begin() as conn:
            await conn.run_sync(downgrade, "0003_counters")
        async with engine.begin() as conn:
            seen["columns_after_downgrade"] = await conn.run_sync(_columns, "accounts")
            seen["tables_after_downgrade"] = await conn.run_sync(
                lambda c: set(sa.inspect(c).get_table_names())
            )
        await migrate(engine)
    finally:
        await engine.dispose()
    return seen


def test_existing_accounts_are_confirmed_and_approved(database_url: str) -> None:
    seen = asyncio.run(_scenario(database_url))
    row = seen["row"]
    assert row.confirmed_at is not None
    assert str(row.confirmed_at)[:19] == str(row.created_at)[:19]
    assert bool(row.approved) is True
    assert row.sign_up_reason is None and row.created_by_app_id is None
    assert "email_confirmations" in seen["tables"]
    assert "email_confirmations" not in seen["tables_after_downgrade"]
    assert "confirmed_at" not in seen["columns_after_downgrade"]
