"""Bulk inserts of column arrays: executemany on SQLite, COPY on PostgreSQL.

Rows arrive as columns (numpy arrays or Python lists) keyed by column name,
so a generated chunk never becomes millions of Python objects on the fast
path: when every column is fixed-width (integers, booleans, timestamps,
equal-length byte strings) PostgreSQL gets the binary COPY format built
directly by numpy.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Iterator, Mapping, Sequence
from contextlib import asynccontextmanager
from datetime import UTC
from typing import TYPE_CHECKING, Any, TypeVar, cast

import numpy as np
import numpy.typing as npt
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

if TYPE_CHECKING:
    from roost.services import Services

ColumnValues = npt.NDArray[Any] | Sequence[Any]
T = TypeVar("T")

# PostgreSQL's binary timestamps count microseconds from 2000-01-01 UTC.
_PG_EPOCH = np.datetime64("2000-01-01T00:00:00", "us")
_COPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + (0).to_bytes(4, "big") + (0).to_bytes(4, "big")
_COPY_TRAILER = (-1).to_bytes(2, "big", signed=True)


async def insert_columns(
    conn: AsyncConnection, table: sa.Table, columns: Mapping[str, ColumnValues]
) -> int:
    """Insert the rows given column-wise inside the caller's transaction."""
    names = list(columns)
    count = len(next(iter(columns.values()))) if columns else 0
    if any(len(values) != count for values in columns.values()):
        raise ValueError("columns of unequal length")
    if count == 0:
        return 0
    if conn.dialect.name == "postgresql":
        await _copy_postgres(conn, table, names, columns)
    else:
        lists = [_python_values(columns[name]) for name in names]
        await conn.execute(
            table.insert(), [dict(zip(names, row, strict=True)) for row in zip(*lists, strict=True)]
        )
    return count


async def _copy_postgres(
    conn: AsyncConnection, table: sa.Table, names: list[str], columns: Mapping[str, ColumnValues]
) -> None:
    # SQLAlchemy opens the transaction on asyncpg lazily, at the first
    # statement: run one so that COPY happens inside the caller's transaction.
    await conn.execute(sa.text("SELECT 1"))
    raw = await conn.get_raw_connection()
    driver: Any = raw.driver_connection
    payload = encode_binary_copy(table, columns)
    if payload is not None:
        # A memoryview: asyncpg would take plain bytes for a file name.
        await driver.copy_to_table(
            table.name, source=memoryview(payload), columns=names, format="binary"
        )
        return
    lists = [_python_values(columns[name]) for name in names]
    await driver.copy_records_to_table(
        table.name, records=list(zip(*lists, strict=True)), columns=names
    )


def _python_values(values: ColumnValues) -> list[Any]:
    if not isinstance(values, np.ndarray):
        return list(values)
    if values.dtype.kind == "M":
        moments = values.astype("datetime64[us]").tolist()
        return [None if m is None else m.replace(tzinfo=UTC) for m in moments]
    if values.dtype.kind == "S":
        return [v.decode() for v in values.tolist()]
    return list(values.tolist())


def encode_binary_copy(table: sa.Table, columns: Mapping[str, ColumnValues]) -> bytes | None:
    """The rows in PostgreSQL's binary COPY format, or None if a column does
    not have a fixed width (lists, NULLs, strings of different lengths)."""
    fields: list[tuple[str, str]] = [("count", ">i2")]
    arrays: list[npt.NDArray[Any]] = []
    for name, values in columns.items():
        encoded = _fixed_width(table.c[name].type, values)
        if encoded is None:
            return None
        fields += [(f"len_{name}", ">i4"), (f"val_{name}", encoded.dtype.str)]
        arrays.append(encoded)
    rows = np.empty(len(arrays[0]), dtype=np.dtype(fields))
    rows["count"] = len(arrays)
    for name, encoded in zip(columns, arrays, strict=True):
        rows[f"len_{name}"] = encoded.dtype.itemsize
        rows[f"val_{name}"] = encoded
    return _COPY_HEADER + rows.tobytes() + _COPY_TRAILER


def _fixed_width(kind: sa.types.TypeEngine[Any], values: ColumnValues) -> npt.NDArray[Any] | None:
    if not isinstance(values, np.ndarray):
        return None
    if isinstance(kind, sa.Boolean) and values.dtype.kind == "b":
        return values.astype("u1")
    if isinstance(kind, sa.DateTime) and values.dtype.kind == "M":
        micros = values.astype("datetime64[us]")
        if np.isnat(micros).any():
            return None
        return (micros - _PG_EPOCH).astype(">i8")
    if values.dtype.kind in "iu":
        if isinstance(kind, sa.BigInteger):
            return values.astype(">i8")
        if isinstance(kind, sa.SmallInteger):
            return values.astype(">i2")
        if isinstance(kind, sa.Integer):
            return values.astype(">i4")
        return None
    if isinstance(kind, sa.String) and values.dtype.kind == "S":
        # Only ASCII text of exactly the declared width travels as is: the
        # array pads shorter strings with NUL bytes that must not be stored.
        width = values.dtype.itemsize
        if len(values) and int(np.char.str_len(values).min()) != width:
            return None
        if len(values) and int(values.view(np.uint8).max()) >= 0x80:
            return None
        return values
    return None


class BatchWriter:
    """Hands out the connection each batch of a loading stage writes through."""

    def __init__(self, services: Services, conn: AsyncConnection | None) -> None:
        self._services = services
        self._conn = conn

    @asynccontextmanager
    async def batch(self) -> AsyncIterator[AsyncConnection]:
        """The stage's one transaction, or a new transaction per batch."""
        if self._conn is not None:
            yield self._conn
            return
        async with self._services.db.write() as conn:
            yield conn


@asynccontextmanager
async def bulk_stage(
    services: Services, tables: Sequence[sa.Table], *, on_index: Callable[[int], None] | None = None
) -> AsyncIterator[BatchWriter]:
    """Write one loading stage into ``tables``.

    On PostgreSQL the whole stage is one transaction that drops the tables'
    indexes and constraints first and rebuilds them at the end: building an
    index once over sorted data is several times faster than updating it row
    by row, and DDL is transactional there, so a failed load rolls back to
    the intact, empty tables. ``on_index`` hears how many indexes will be
    rebuilt (once, negative) and then each one done. SQLite writes each batch
    in its own transaction.
    """
    if services.db.dialect != "postgresql":
        yield BatchWriter(services, None)
        return
    async with services.db.write() as conn:
        await conn.execute(sa.text("SET LOCAL maintenance_work_mem = '256MB'"))
        rebuild: list[str] = []
        for table in tables:
            rebuild += await _drop_indexes(conn, table.name)
        yield BatchWriter(services, conn)
        if on_index is not None:
            on_index(-len(rebuild))
        for statement in rebuild:
            await conn.execute(sa.text(statement))
            if on_index is not None:
                on_index(1)


async def _drop_indexes(conn: AsyncConnection, table: str) -> list[str]:
    """Drop every index and key of ``table``; return the statements that
    recreate them exactly as the database had them (whatever migration made
    them)."""
    constraints = (
        await conn.execute(
            sa.text(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = CAST(:t AS regclass) AND contype IN ('p', 'u', 'x')"
            ),
            {"t": table},
        )
    ).all()
    indexes = (
        await conn.execute(
            sa.text(
                "SELECT indexname, indexdef FROM pg_indexes "
                "WHERE schemaname = current_schema() AND tablename = :t"
            ),
            {"t": table},
        )
    ).all()
    referenced = (
        await conn.execute(
            sa.text(
                "SELECT 1 FROM pg_constraint "
                "WHERE confrelid = CAST(:t AS regclass) AND contype = 'f' LIMIT 1"
            ),
            {"t": table},
        )
    ).first()
    # Indexes that back a key are handled as the key.
    owned = {name for name, _ in constraints}
    if referenced is not None:
        # A foreign key elsewhere needs these keys: leave them in place.
        constraints = []
    rebuild: list[str] = []
    for name, definition in constraints:
        await conn.execute(sa.text(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"'))
        rebuild.append(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
    for name, definition in indexes:
        if name not in owned:
            await conn.execute(sa.text(f'DROP INDEX "{name}"'))
            rebuild.append(definition)
    return rebuild


_END = object()


async def prefetch(items: Iterator[T]) -> AsyncGenerator[T, None]:
    """Yield ``items``, computing each next one in a worker thread while the
    caller writes the current one (numpy releases the GIL, so generating
    the next batch overlaps the database's work on this one)."""
    pending = asyncio.ensure_future(asyncio.to_thread(next, items, _END))
    try:
        while True:
            item = await pending
            if item is _END:
                return
            pending = asyncio.ensure_future(asyncio.to_thread(next, items, _END))
            yield cast(T, item)
    finally:
        # The thread cannot be interrupted: let it finish before leaving.
        with contextlib.suppress(BaseException):
            await pending
