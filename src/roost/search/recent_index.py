"""A second GIN index over the newest statuses only (PostgreSQL).

Newest-first search reads every match of its words from the GIN index and
keeps the newest 20. The cost is the length of the words' posting lists,
which grows with the table: two words in 3% of statuses each but rare
together read about 1.2 million index entries at 10M statuses
(docs/benchmarks.md, "Search"). Most such searches are answered by recent
statuses, so a partial index over roughly the newest
``search_recent_rows`` statuses (``WHERE status_id >= bound``) answers
them from lists a tenth as long; when it holds fewer matches than the page
needs, the search reads the whole index as before. Every match with an id
at or above the bound is newer than every match below it, so the page is
the same either way.

The index is named after its bound (``search_statuses_recent_<bound>``)
and kept by a periodic job: when the newest statuses above the bound
number more than twice ``search_recent_rows``, a new index with a newer
bound is built (``CREATE INDEX CONCURRENTLY``: posting goes on meanwhile)
and the older ones are dropped. Searches find the bound in the catalog
(only valid indexes), remembered per process for ``BOUND_SECONDS``: a bound
whose index was just dropped still gives the right page, only slower.
Large search systems partition their index by time for the same reason;
this is the smallest form of it that needs no change to the table.
"""

from __future__ import annotations

import logging
import re
import time
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

if TYPE_CHECKING:
    from roost.jobs.runner import Job
    from roost.services import Services

log = logging.getLogger(__name__)

PREFIX = "search_statuses_recent_"
_NAME = re.compile(rf"^{PREFIX}(\d+)$")
# How long a process trusts the bound it read from the catalog.
BOUND_SECONDS = 30.0
# How often the worker checks whether a newer index is due.
INTERVAL = 600.0

_RECENT_INDEXES = sa.text(
    "SELECT c.relname, i.indisvalid AND i.indisready AS usable "
    "FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
    "JOIN pg_class t ON t.oid = i.indrelid "
    "JOIN pg_namespace n ON n.oid = t.relnamespace "
    "WHERE t.relname = 'search_statuses' AND n.nspname = current_schema() "
    "AND c.relname LIKE :pattern"
)

# By engine: (bound or None, when it was read).
_bounds: dict[int, tuple[int | None, float]] = {}


def bound_of(name: str) -> int | None:
    found = _NAME.match(name)
    return int(found.group(1)) if found else None


async def recent_indexes(conn: AsyncConnection) -> list[tuple[int, bool]]:
    """(bound, usable) of every recent index on search_statuses, newest bound first."""
    rows = (await conn.execute(_RECENT_INDEXES, {"pattern": PREFIX + "%"})).all()
    found = [(b, bool(r.usable)) for r in rows if (b := bound_of(str(r.relname))) is not None]
    return sorted(found, reverse=True)


async def current_bound(conn: AsyncConnection) -> int | None:
    """The bound of the newest usable recent index, or None; read from the
    catalog at most every ``BOUND_SECONDS`` per process and database."""
    key = id(conn.engine)
    now = time.monotonic()
    cached = _bounds.get(key)
    if cached is not None and now - cached[1] < BOUND_SECONDS:
        return cached[0]
    usable = [b for b, ok in await recent_indexes(conn) if ok]
    bound = usable[0] if usable else None
    _bounds[key] = (bound, now)
    return bound


def forget_bounds() -> None:
    """Drop what this process remembers of the bounds (tests, and after a rebuild)."""
    _bounds.clear()


async def _newest_but(conn: AsyncConnection, rows: int) -> int | None:
    """The id of the ``rows``-th newest indexed status (None with fewer)."""
    found = await conn.execute(
        sa.text(
            "SELECT status_id FROM search_statuses ORDER BY status_id DESC OFFSET :skip LIMIT 1"
        ),
        {"skip": rows - 1},
    )
    value = found.scalar()
    return None if value is None else int(value)


async def _rows_from(conn: AsyncConnection, bound: int, cap: int) -> int:
    """How many indexed statuses have ids at or above ``bound`` (counted up to ``cap``)."""
    found = await conn.execute(
        sa.text(
            "SELECT count(*) FROM (SELECT 1 FROM search_statuses "
            "WHERE status_id >= :bound LIMIT :cap) AS newest"
        ),
        {"bound": bound, "cap": cap},
    )
    return int(found.scalar() or 0)


async def maintain(engine: AsyncEngine, rows: int) -> int | None:
    """Keep one usable recent index over about the newest ``rows`` to
    ``2 * rows`` statuses; returns its bound (None when the table is too
    small to need one, or ``rows`` is 0: then none is kept). Safe to run
    again after a crash at any step: an index an interrupted build left
    invalid is dropped and built again."""
    async with engine.connect() as plain:
        conn = await plain.execution_options(isolation_level="AUTOCOMMIT")
        existing = await recent_indexes(conn)
        keep = await _bound_to_keep(conn, existing, rows) if rows > 0 else None
        if keep is not None and (keep, True) not in existing:
            name = f"{PREFIX}{keep}"
            await conn.execute(sa.text(f"DROP INDEX CONCURRENTLY IF EXISTS {name}"))
            log.info("building the recent search index %s", name)
            await conn.execute(
                sa.text(
                    f"CREATE INDEX CONCURRENTLY {name} ON search_statuses "
                    f"USING gin (vector) WHERE status_id >= {int(keep)}"
                )
            )
        for bound, _usable in existing:
            if bound != keep:
                await conn.execute(sa.text(f"DROP INDEX CONCURRENTLY IF EXISTS {PREFIX}{bound}"))
    forget_bounds()
    return keep


async def _bound_to_keep(
    conn: AsyncConnection, existing: list[tuple[int, bool]], rows: int
) -> int | None:
    """The current usable bound while at most ``2 * rows`` statuses are above
    it; else the ``rows``-th newest id where the table holds ``2 * rows``;
    else None (the whole index is small enough)."""
    for bound, usable in existing:
        if usable and await _rows_from(conn, bound, 2 * rows + 1) <= 2 * rows:
            return bound
    if await _newest_but(conn, 2 * rows) is None:
        return None
    return await _newest_but(conn, rows)


async def maintain_job(job: Job) -> None:
    """The periodic job: a no-op on SQLite (FTS5 has no such cost)."""
    services: Services = job.services
    if services.db.dialect != "postgresql":
        return
    await maintain(services.db.engine, services.settings.search_recent_rows)


JOB_HANDLERS = {"search_recent_index": maintain_job}
PERIODIC = {"search_recent_index": INTERVAL}
