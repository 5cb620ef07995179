"""Which database errors mean "try again later" (answered 503) rather than
a bug (500): checked against the real drivers' errors."""

from __future__ import annotations

import asyncio
import socket
import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from roost.db.engine import database_unavailable


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def first_error(url: str, statement: str) -> BaseException:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            await conn.execute(sa.text(statement))
    except Exception as exc:
        return exc
    finally:
        await engine.dispose()
    raise AssertionError("no error")


def test_a_refused_postgresql_connection_is_unavailability() -> None:
    url = f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/nothing"
    assert database_unavailable(asyncio.run(first_error(url, "SELECT 1")))


def test_a_bad_statement_is_not_unavailability() -> None:
    exc = asyncio.run(first_error("sqlite+aiosqlite://", "SELECT * FROM no_such_table"))
    assert isinstance(exc, sa.exc.OperationalError)
    assert not database_unavailable(exc)
    assert not database_unavailable(ValueError("not a database error"))


@pytest.mark.parametrize("busy", [True, False])
def test_sqlite_busy_is_unavailability(tmp_path: Path, busy: bool) -> None:
    """A writer that waited past SQLite's busy timeout for another's lock."""
    path = tmp_path / "busy.db"
    holder = sqlite3.connect(path)
    holder.execute("CREATE TABLE t (x INTEGER)")
    holder.commit()
    if busy:
        holder.execute("BEGIN IMMEDIATE")
    exc: BaseException | None = None

    async def write() -> None:
        nonlocal exc
        engine = create_async_engine(f"sqlite+aiosqlite:///{path}", connect_args={"timeout": 0.05})
        try:
            async with engine.begin() as conn:
                await conn.execute(sa.text("INSERT INTO t VALUES (1)"))
        except Exception as error:
            exc = error
        finally:
            await engine.dispose()

    asyncio.run(write())
    holder.rollback()
    holder.close()
    if busy:
        assert exc is not None and database_unavailable(exc)
    else:
        assert exc is None
