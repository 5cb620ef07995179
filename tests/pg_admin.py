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


async def _terminate(admin_url: str, database: str) -> int:
    conn = await asyncpg.connect(admin_url)
    try:
        pids = [
            row["pid"]
            for row in await conn.fetch(
                "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
                database,
            )
        ]
        for pid in pids:
            await conn.execute("SELECT pg_terminate_backend($1)", pid)
        while await conn.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE pid = any($1::int[])", pids
        ):
            pass  # each query is a round trip: the backends exit meanwhile
    finally:
        await conn.close()
    return len(pids)


def terminate_connections(admin_url: str, database: str) -> int:
    """Terminate every connection to ``database`` (as a PostgreSQL restart or
    an administrator would), from an admin connection to another database;
    the number terminated, once they are all gone."""
    return asyncio.run(_terminate(admin_url, database))
