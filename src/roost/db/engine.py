"""Database engines chosen by URL: SQLite (embedded) or PostgreSQL."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from roost.infra.metrics import DB_POOL_IN_USE


def async_url(url: str) -> str:
    """Map a plain ``sqlite://``/``postgresql://`` URL to its asyncio driver."""
    if url.startswith("sqlite:"):
        return "sqlite+aiosqlite:" + url[len("sqlite:") :]
    for prefix in ("postgresql:", "postgres:"):
        if url.startswith(prefix):
            return "postgresql+asyncpg:" + url[len(prefix) :]
    return url


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cursor = dbapi_conn.cursor()
    # WAL lets readers run beside the single writer; synchronous=NORMAL in WAL
    # mode keeps every committed transaction across a crash of the process
    # (only a power cut can lose the last commits).
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=OFF")
    cursor.close()
    # Let SQLAlchemy's "begin" hook issue BEGIN itself (see make_engine).
    dbapi_conn.isolation_level = None


def make_engine(url: str, *, pool_size: int = 10) -> AsyncEngine:
    full = async_url(url)
    if full.startswith("sqlite"):
        engine = create_async_engine(full, pool_size=pool_size, max_overflow=pool_size)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)

        # Let SQLAlchemy issue BEGIN itself so that write transactions can
        # take the write lock up front (BEGIN IMMEDIATE): no deadlock upgrades.
        # Read connections skip BEGIN (see Database.read): in WAL mode each
        # statement reads a consistent snapshot, and it saves a round trip to
        # the driver thread per read.
        @event.listens_for(engine.sync_engine, "begin")
        def _begin(conn: sa.Connection) -> None:
            statement = conn.info.pop("roost_begin", "BEGIN")
            if statement:
                conn.exec_driver_sql(statement)

        return engine
    engine = create_async_engine(full, pool_size=pool_size, max_overflow=pool_size)
    event.listen(engine.sync_engine, "checkout", _discard_closed)
    return engine


def _discard_closed(dbapi_conn: Any, _record: Any, _proxy: Any) -> None:
    """Hand out no pooled connection the server has closed.

    A PostgreSQL connection terminated by the server (``pg_terminate_backend``,
    a restart, an idle-session timeout) got its goodbye on the socket while
    it sat in the pool, and asyncpg marked it closed as the event loop read
    it: checking that flag costs nothing, unlike a pre-ping round trip on
    every checkout. The pool then opens a fresh connection instead of letting
    the request's first statement fail on the dead one (a 500, possibly after
    a committed write). A connection cut without a word (a network partition)
    still fails once, and SQLAlchemy then replaces the whole pool.
    """
    driver = getattr(dbapi_conn, "driver_connection", None)
    is_closed = getattr(driver, "is_closed", None)
    if is_closed is not None and is_closed():
        raise sa.exc.DisconnectionError("connection closed by the server while pooled")


def _count_checkouts(engine: AsyncEngine, database: str) -> None:
    """Keep ``roost_db_pool_connections_in_use`` up to date (two pool events)."""
    gauge = DB_POOL_IN_USE.labels(database)
    event.listen(engine.sync_engine, "checkout", lambda *_: gauge.inc())
    event.listen(engine.sync_engine, "checkin", lambda *_: gauge.dec())


class Database:
    """The primary database plus optional read replicas.

    ``write()`` opens a transaction on the primary; ``read()`` a connection
    that may be a replica (for reads that tolerate replica lag).
    """

    def __init__(
        self, url: str, *, replica_urls: tuple[str, ...] = (), pool_size: int = 10
    ) -> None:
        self.url = url
        self.engine = make_engine(url, pool_size=pool_size)
        self.replicas = [make_engine(u, pool_size=pool_size) for u in replica_urls]
        _count_checkouts(self.engine, "primary")
        for replica in self.replicas:
            _count_checkouts(replica, "replica")
        self._replica_cycle = itertools.cycle(self.replicas) if self.replicas else None
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        # SQLite has one writer at a time: queue writers in-process instead of
        # letting them spin on SQLITE_BUSY.
        self._write_lock = asyncio.Lock() if self.is_sqlite else None

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncConnection]:
        """A transaction on the primary, committed when the block exits cleanly."""
        if self._write_lock is None:
            async with self.engine.begin() as conn:
                yield conn
            return
        async with self._write_lock, self.engine.connect() as conn:
            await conn.run_sync(lambda c: c.info.__setitem__("roost_begin", "BEGIN IMMEDIATE"))
            async with conn.begin():
                yield conn

    @asynccontextmanager
    async def read(self, *, primary: bool = False) -> AsyncIterator[AsyncConnection]:
        """A connection for reads; a replica when one exists and ``primary`` is false."""
        engine = self.engine
        if not primary and self._replica_cycle is not None:
            engine = next(self._replica_cycle)
        async with engine.connect() as conn:
            if self.is_sqlite:
                conn.info["roost_begin"] = ""
            yield conn

    async def dispose(self) -> None:
        await self.engine.dispose()
        for replica in self.replicas:
            await replica.dispose()
