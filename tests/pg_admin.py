"""Create and drop throw-away PostgreSQL databases for the test session."""

from __future__ import annotations

import asyncio

import asyncpg


async def _run(admin_url: str, *statements: str) -> None:
    conn = await asyncpg.connect(admin_url)
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


def recreate_database(admin_url: str, name: str) -> None:
    asyncio.run(
        _run(
            admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"'
        )
    )


def drop_database(admin_url: str, name: str) -> None:
    asyncio.run(_run(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
