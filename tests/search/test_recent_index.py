"""The recent search index (PostgreSQL): built over the newest statuses by
the maintenance job, moved forward as the table grows, used by the GIN
plan, and never changing what a search answers."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from roost.db.engine import make_engine
from roost.db.migrate import migrate
from roost.kernel.paging import Page
from roost.search import recent_index
from roost.search.engine import TextQuery
from roost.search.postgres_fts import PostgresEngine, gin_statement, tsquery
from tests.db.support import empty_database

pytestmark = pytest.mark.postgres

ROWS = 40  # the recent index covers 40 to 80 of the newest statuses
BASE = 4_194_304_000_000


@pytest.fixture
def url(tmp_path: Path) -> Iterator[str]:
    yield from empty_database("postgresql", tmp_path, "recent")


def text_of(n: int) -> str:
    # "alpha" in every third status, "beta" in every fifth: both together
    # in every fifteenth; "gamma" only in the oldest twenty.
    words = ["status", str(n)]
    if n % 3 == 0:
        words.append("alpha")
    if n % 5 == 0:
        words.append("beta")
    if n < 20:
        words.append("gamma")
    return " ".join(words)


async def insert(engine: AsyncEngine, numbers: range) -> None:
    now = datetime.now(UTC)
    async with engine.begin() as conn:
        await conn.execute(
            sa.text(
                "INSERT INTO statuses (id, account_id, text, content, spoiler_text, sensitive, "
                "visibility, created_at) VALUES (:id, 1, :text, '', '', false, 0, :now)"
            ),
            [{"id": BASE + n * 1000, "text": text_of(n), "now": now} for n in numbers],
        )


def query(*words: str) -> TextQuery:
    return TextQuery(words=words, phrases=(), excluded=(), language=None)


async def search(engine: AsyncEngine, text: TextQuery, page: Page, offset: int = 0) -> list[int]:
    """The engine's answer, after checking that the recent-first GIN plan
    gives the same (``find`` takes it only for words each common but rare
    together, which depends on the table's statistics)."""
    fts = PostgresEngine()
    async with engine.connect() as conn:
        found = await fts.find(conn, text, [], page, offset=offset, relevance=False, narrowed=False)
        by_gin = await fts._recent_first(conn, tsquery(text), [], page, offset)
    assert by_gin == found
    return found


def expected(words: tuple[str, ...], numbers: range, page: Page, offset: int = 0) -> list[int]:
    ids = [BASE + n * 1000 for n in numbers if all(w in text_of(n).split() for w in words)]
    ids = [
        i
        for i in ids
        if (page.max_id is None or i < page.max_id) and (page.lower is None or i > page.lower)
    ]
    return sorted(ids, reverse=True)[offset : offset + page.limit]


async def scenario(url: str) -> None:
    engine = make_engine(url)
    try:
        await migrate(engine)
        await insert(engine, range(100))
        recent_index.forget_bounds()

        # 100 statuses, at least twice ROWS: an index over the 40 newest
        # (statuses 60 to 99).
        bound = await recent_index.maintain(engine, ROWS)
        assert bound == BASE + 60 * 1000
        async with engine.connect() as conn:
            assert await recent_index.recent_indexes(conn) == [(bound, True)]
            assert await recent_index.current_bound(conn) == bound

        # The planner can use it for the GIN plan's statement above the bound
        # (its predicate is implied): shown with the other indexes dropped in
        # a transaction that is rolled back (on a table this small a range
        # of the primary key costs as little).
        text = query("alpha", "beta")
        statement = gin_statement(tsquery(text), [], Page(limit=2), 0, floor=bound)
        sql = str(statement.compile(engine.sync_engine, compile_kwargs={"literal_binds": True}))
        async with engine.connect() as conn, conn.begin() as transaction:
            await conn.execute(sa.text("DROP INDEX search_statuses_vector"))
            await conn.execute(
                sa.text("ALTER TABLE search_statuses DROP CONSTRAINT search_statuses_pkey")
            )
            await conn.execute(sa.text("SET LOCAL enable_seqscan = off"))
            plan = "\n".join(str(r[0]) for r in await conn.execute(sa.text("EXPLAIN " + sql)))
            await transaction.rollback()
        assert f"Bitmap Index Scan on search_statuses_recent_{bound}" in plan, plan

        numbers = range(100)
        cases = [
            (("alpha", "beta"), Page(limit=2), 0),  # answered above the bound
            (("alpha", "beta"), Page(limit=5), 0),  # too few above it: whole index
            (("alpha",), Page(limit=3), 2),  # with an offset
            (("gamma",), Page(limit=5), 0),  # only old statuses match
            (("alpha",), Page(limit=4, max_id=BASE + 70 * 1000), 0),  # page starts inside
            (("alpha",), Page(limit=4, max_id=BASE + 50 * 1000), 0),  # page starts below it
            (("beta",), Page(limit=20, since_id=BASE + 65 * 1000), 0),  # lower end above it
            (("beta",), Page(limit=20, since_id=BASE + 10 * 1000), 0),  # lower end below it
        ]
        for words, page, offset in cases:
            found = await search(engine, query(*words), page, offset)
            assert found == expected(words, numbers, page, offset), (words, page, offset)

        # The table grows past twice ROWS above the bound: a newer index
        # replaces it, and the searches still agree.
        await insert(engine, range(100, 120))
        assert await recent_index.maintain(engine, ROWS) == bound  # 60 above it: kept
        await insert(engine, range(120, 200))
        moved = await recent_index.maintain(engine, ROWS)  # 140 above it: the 40 newest
        assert moved == BASE + 160 * 1000
        async with engine.connect() as conn:
            assert await recent_index.recent_indexes(conn) == [(moved, True)]
        numbers = range(200)
        for words, page, offset in cases:
            found = await search(engine, query(*words), page, offset)
            assert found == expected(words, numbers, page, offset), (words, page, offset)

        # Turned off: no recent index is kept, and searches read the whole one.
        assert await recent_index.maintain(engine, 0) is None
        async with engine.connect() as conn:
            assert await recent_index.recent_indexes(conn) == []
            assert await recent_index.current_bound(conn) is None
        found = await search(engine, query("alpha", "beta"), Page(limit=3))
        assert found == expected(("alpha", "beta"), numbers, Page(limit=3))
    finally:
        recent_index.forget_bounds()
        await engine.dispose()


def test_the_recent_index_follows_the_newest_statuses_and_never_changes_an_answer(
    url: str,
) -> None:
    asyncio.run(scenario(url))


async def small_table(url: str) -> None:
    engine = make_engine(url)
    try:
        await migrate(engine)
        await insert(engine, range(50))
        assert await recent_index.maintain(engine, ROWS) is None  # under 2 x ROWS
        async with engine.connect() as conn:
            assert await recent_index.recent_indexes(conn) == []
    finally:
        recent_index.forget_bounds()
        await engine.dispose()


def test_a_small_table_gets_no_recent_index(url: str) -> None:
    asyncio.run(small_table(url))
