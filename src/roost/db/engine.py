"""Database engines chosen by URL: SQLite (embedded) or PostgreSQL."""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import itertools
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from roost.db.replicas import ReplicaSet, WriteFloors, read_context
from roost.infra.metrics import DB_POOL_IN_USE

log = logging.getLogger("roost.db")
T = TypeVar("T")

# Seconds a read waits for a replica's connection before using the primary.
REPLICA_CONNECT_TIMEOUT = 2.0
# A floor no replica reaches: this request reads the primary.
_ONLY_PRIMARY = 2**63 - 1

# Set by Database.once_more_on_disconnect while the work it runs may run
# again: write() marks in it that a commit was attempted (from then on the
# work must not run twice: it may have written).
_commit_marks: contextvars.ContextVar[list[bool] | None] = contextvars.ContextVar(
    "roost_commit_marks", default=None
)

# asyncpg's errors on a connection the server ended under a statement (a
# terminated backend, a restart): the transaction is gone, nothing of it
# committed. The last one is what a statement meets on a connection whose
# end asyncpg had half read.
_LOST_CONNECTION = ("AdminShutdownError", "ConnectionDoesNotExistError", "InternalClientError")


def _note_commit() -> None:
    marks = _commit_marks.get()
    if marks is not None:
        marks.append(True)


def note_commit_attempt() -> None:
    """Mark in the running request that a commit made for it was attempted
    (by another task: ``roost.db.group_commit``), so that
    ``Database.once_more_on_disconnect`` does not run its work again."""
    _note_commit()


def connection_lost(exc: sa.exc.DBAPIError) -> bool:
    """True when ``exc`` came from a database connection that died under it."""
    if exc.connection_invalidated:
        return True
    cause: BaseException | None = exc
    while cause is not None:
        if type(cause).__name__ in _LOST_CONNECTION and type(cause).__module__.startswith(
            "asyncpg"
        ):
            return True
        cause = cause.__cause__ or cause.__context__
    return False


def database_unavailable(exc: BaseException) -> bool:
    """True when ``exc`` says the database could not be used (a connection
    lost under a statement or a commit, refused, or none free in the pool in
    time; SQLite busy past its timeout) rather than that the request was
    wrong: the request may be tried again later."""
    if isinstance(exc, sa.exc.TimeoutError | ConnectionRefusedError):
        # asyncpg's refused connect reaches the caller unwrapped.
        return True
    if not isinstance(exc, sa.exc.DBAPIError):
        return False
    if connection_lost(exc):
        return True
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, ConnectionError):
            return True
        cause = cause.__cause__ or cause.__context__
    return isinstance(exc, sa.exc.OperationalError) and "database is locked" in str(exc.orig)


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


def make_engine(
    url: str, *, pool_size: int = 10, connect_timeout: float | None = None
) -> AsyncEngine:
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
    # A replica that does not answer must not hold a read for asyncpg's
    # default minute: the read goes to the primary instead (Database.read).
    connect_args = {} if connect_timeout is None else {"timeout": connect_timeout}
    engine = create_async_engine(
        full, pool_size=pool_size, max_overflow=pool_size, connect_args=connect_args
    )
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
    that may be a replica (for reads that tolerate replica lag): on
    PostgreSQL one the monitor found fresh and that holds the caller's own
    writes (``roost.db.replicas``), else the primary.
    """

    def __init__(
        self,
        url: str,
        *,
        replica_urls: tuple[str, ...] = (),
        pool_size: int = 10,
        replica_max_lag: float = 5.0,
    ) -> None:
        self.url = url
        self.engine = make_engine(url, pool_size=pool_size)
        self.replicas = [
            make_engine(u, pool_size=pool_size, connect_timeout=REPLICA_CONNECT_TIMEOUT)
            for u in replica_urls
        ]
        _count_checkouts(self.engine, "primary")
        for replica in self.replicas:
            _count_checkouts(replica, "replica")
        self._replica_cycle = itertools.cycle(self.replicas) if self.replicas else None
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        # Watched replicas (PostgreSQL); SQLite "replicas" (tests of the
        # routing) are taken in turn, unwatched.
        self.replica_set: ReplicaSet | None = None
        if self.replicas and not self.is_sqlite:
            self.replica_set = ReplicaSet(self.engine, self.replicas, max_lag=replica_max_lag)
        # Where accounts' write positions are shared (set by services.py).
        self.floors: WriteFloors | None = None
        # SQLite has one writer at a time: queue writers in-process instead of
        # letting them spin on SQLITE_BUSY.
        self._write_lock = asyncio.Lock() if self.is_sqlite else None

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def start(self) -> None:
        """Start watching the replicas (a task of the running loop)."""
        if self.replica_set is not None:
            self.replica_set.start()

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncConnection]:
        """A transaction on the primary, committed when the block exits cleanly."""
        if self._write_lock is None:
            async with self.engine.begin() as conn:
                yield conn
                _note_commit()  # the block ran: the commit follows
            if self.replica_set is not None:
                await self._written(self.replica_set)
            return
        async with self._write_lock, self.engine.connect() as conn:
            await conn.run_sync(lambda c: c.info.__setitem__("roost_begin", "BEGIN IMMEDIATE"))
            async with conn.begin():
                yield conn
                _note_commit()

    async def written(self) -> None:
        """What ``write()`` does after its commit for the running request,
        for a commit made on its behalf elsewhere (``roost.db.group_commit``):
        its next reads must see that write."""
        if self.replica_set is not None:
            await self._written(self.replica_set)

    async def _written(self, replicas: ReplicaSet) -> None:
        """After a commit made for an account: its reads must now find a
        replica that replayed this far (read-your-writes)."""
        context = read_context()
        if context is None:
            return
        try:
            position = await replicas.primary_position()
        except Exception as exc:  # committed anyway; this request reads the primary
            log.warning("write position unknown, reading from the primary: %r", exc)
            context.floor, context.loaded = _ONLY_PRIMARY, True
            return
        context.floor, context.loaded = position, True
        if self.floors is not None:
            await self.floors.remember(context.account_id, position)

    async def _reader(self) -> AsyncEngine:
        if self.replica_set is None:
            assert self._replica_cycle is not None
            return next(self._replica_cycle)
        context = read_context()
        floor = None
        if context is not None:
            if not context.loaded:
                context.loaded = True
                if self.floors is not None:
                    context.floor = await self.floors.get(context.account_id)
            floor = context.floor
        return self.replica_set.pick(floor) or self.engine

    @asynccontextmanager
    async def read(self, *, primary: bool = False) -> AsyncIterator[AsyncConnection]:
        """A connection for reads; a usable replica when one exists and
        ``primary`` is false. A replica that cannot be reached is left out and
        the read goes to the primary."""
        engine = self.engine
        if not primary and self.replicas:
            engine = await self._reader()
        async with contextlib.AsyncExitStack() as stack:
            try:
                conn = await stack.enter_async_context(engine.connect())
            except Exception as exc:
                if engine is self.engine or self.replica_set is None:
                    raise
                self.replica_set.failed(engine, exc)
                conn = await stack.enter_async_context(self.engine.connect())
            if self.is_sqlite:
                conn.info["roost_begin"] = ""
            yield conn

    async def once_more_on_disconnect(self, work: Callable[[], Awaitable[T]]) -> T:
        """Run ``work`` (a request's handler), again once if a database
        connection died under it before it attempted any commit.

        The check at checkout sees a connection the server closed only once
        the event loop has read the goodbye; one closed a moment before it
        is used, or while a statement runs (a terminated backend, a
        restart), fails that statement. Until ``work`` reaches a commit
        nothing of it is written (its transaction died with the connection),
        so running it again on a fresh connection is safe and spares the
        client a 500; after a commit was attempted it may have written, so
        the error stands (a read rendering a committed write retries on its
        own, e.g. ``statuses.marks``). ``work`` must keep its effects outside
        the database until after its commit, as every service does.
        """
        marks: list[bool] = []
        token = _commit_marks.set(marks)
        try:
            try:
                return await work()
            except sa.exc.DBAPIError as exc:
                if marks or not connection_lost(exc):
                    raise
                log.warning("database connection lost before any commit, retrying: %s", exc.orig)
            return await work()
        finally:
            _commit_marks.reset(token)

    async def dispose(self) -> None:
        if self.replica_set is not None:
            await self.replica_set.stop()
        await self.engine.dispose()
        for replica in self.replicas:
            await replica.dispose()
