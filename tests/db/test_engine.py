"""Database routing: writes and read-your-writes on the primary, other reads
on the replicas; SQLite reads run without an explicit transaction."""

from __future__ import annotations

import asyncio
from pathlib import Path

import sqlalchemy as sa

from roost.db.engine import Database, async_url


def test_async_url_maps_plain_urls_to_asyncio_drivers() -> None:
    assert async_url("sqlite:///x.db") == "sqlite+aiosqlite:///x.db"
    assert async_url("postgresql://u@h/db") == "postgresql+asyncpg://u@h/db"
    assert async_url("postgres://u@h/db") == "postgresql+asyncpg://u@h/db"


async def _where_reads_go(tmp_path: Path) -> tuple[list[str], list[str], list[str]]:
    primary_url = f"sqlite:///{tmp_path / 'primary.db'}"
    replica_url = f"sqlite:///{tmp_path / 'replica.db'}"
    db = Database(primary_url, replica_urls=(replica_url,))
    try:
        # Each file says who it is, so a read tells which engine served it.
        for url in (primary_url, replica_url):
            single = Database(url)
            async with single.write() as conn:
                await conn.execute(sa.text("CREATE TABLE whoami (name TEXT)"))
                await conn.execute(
                    sa.text("INSERT INTO whoami VALUES (:n)"),
                    {"n": "replica" if url == replica_url else "primary"},
                )
            await single.dispose()
        query = sa.text("SELECT name FROM whoami")
        plain, primary, written = [], [], []
        for _ in range(3):
            async with db.read() as conn:
                plain.append((await conn.execute(query)).scalar_one())
            async with db.read(primary=True) as conn:
                primary.append((await conn.execute(query)).scalar_one())
            async with db.write() as conn:
                written.append((await conn.execute(query)).scalar_one())
        return plain, primary, written
    finally:
        await db.dispose()


def test_reads_use_replicas_and_writes_the_primary(tmp_path: Path) -> None:
    plain, primary, written = asyncio.run(_where_reads_go(tmp_path))
    assert plain == ["replica"] * 3
    assert primary == ["primary"] * 3
    assert written == ["primary"] * 3


async def _write_rolls_back_on_error(tmp_path: Path) -> int:
    db = Database(f"sqlite:///{tmp_path / 'one.db'}")
    try:
        async with db.write() as conn:
            await conn.execute(sa.text("CREATE TABLE t (x INTEGER)"))
        try:
            async with db.write() as conn:
                await conn.execute(sa.text("INSERT INTO t VALUES (1)"))
                raise RuntimeError("boom")
        except RuntimeError:
            pass
        async with db.read() as conn:
            return int((await conn.execute(sa.text("SELECT count(*) FROM t"))).scalar_one())
    finally:
        await db.dispose()


def test_failed_write_leaves_nothing_behind(tmp_path: Path) -> None:
    assert asyncio.run(_write_rolls_back_on_error(tmp_path)) == 0


def _lost() -> sa.exc.DBAPIError:
    return sa.exc.DBAPIError("SELECT 1", None, Exception("gone"), connection_invalidated=True)


def test_work_runs_again_after_a_lost_connection_only_before_any_commit(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'one.db'}")
    runs: list[str] = []

    async def dies_before_commit() -> str:
        runs.append("before")
        if len(runs) == 1:
            raise _lost()
        return "answered"

    async def dies_after_commit() -> str:
        runs.append("after")
        async with db.write() as conn:
            await conn.execute(sa.text("SELECT 1"))
        raise _lost()

    async def dies_otherwise() -> str:
        runs.append("other")
        raise sa.exc.DBAPIError("SELECT 1", None, Exception("syntax"))

    async def main() -> None:
        try:
            assert await db.once_more_on_disconnect(dies_before_commit) == "answered"
            for work in (dies_after_commit, dies_otherwise):
                try:
                    await db.once_more_on_disconnect(work)
                except sa.exc.DBAPIError:
                    pass
                else:
                    raise AssertionError("the error was swallowed")
        finally:
            await db.dispose()

    asyncio.run(main())
    # Once more only when nothing was committed and the connection was lost.
    assert runs == ["before", "before", "after", "other"]
