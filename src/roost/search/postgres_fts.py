"""PostgreSQL full-text search: ``search_statuses`` holds one tsvector per
status (the stemmed words of its language's configuration plus the plain
'simple' words), GIN-indexed, written by a trigger on statuses (migration
0010_search). A query matches the stemmed form in the query's language or
the plain words, so "running" finds "runs" in English text and a word in
any other language is still found as typed.

Newest first, two plans, picked from the words' frequencies in the
table's own statistics (``pg_stats.most_common_elems``, kept by ANALYZE):

* words common enough together (the product of their frequencies, see
  ``estimated_share``): walk the newest index entries by status id and test
  each (``WALK`` at most); a common word fills the page within a few rows;
* otherwise (or when the walk found too few): read every match from the
  GIN index into a materialized CTE, sort the ids, and check them against
  ``statuses`` one by one (a LATERAL join, never a merge join that could
  walk the whole table); a rare word has few matches. Where the workers
  keep a second GIN index over the newest statuses only
  (``search.recent_index``), words each common but rare together read it
  first, and the whole index only when the newest statuses hold fewer
  matches than the page needs. (Only them: a rare word's posting list is
  short anyway, and for common words the planner may prefer a range of
  the recent ids filtered row by row, which costs more than the walk.)

PostgreSQL's planner makes the same choice from the same statistics, but
guesses a fixed share for a word outside them, which on a corpus of
common words made it walk all rows for a word in 10 statuses.

The query text is rendered into the statement as a literal (quoted by
SQLAlchemy's literal processor), so the tsquery is a constant the planner
can see."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.db import schema
from roost.kernel.paging import Page
from roost.search.engine import TextQuery, bounded, joined_ids
from roost.search.recent_index import current_bound

INDEX = sa.table(
    "search_statuses", sa.column("status_id", sa.BigInteger), sa.column("vector", TSVECTOR)
)
# How many of the newest index entries the walking plan tests at most.
WALK = 5000
# A word this frequent or more is walked for: WALK x COMMON = 25 expected hits.
COMMON = 0.005
_s = schema.statuses


def websearch_text(text: TextQuery) -> str:
    """The terms in ``websearch_to_tsquery``'s syntax, each one quoted so
    that a word like "or" or a leading "-" is searched, never obeyed."""

    def quoted(words: Sequence[str]) -> str:
        return '"' + " ".join(w.replace('"', "") for w in words) + '"'

    parts = [quoted((w,)) for w in text.words]
    parts += [quoted(p) for p in text.phrases]
    parts += ["-" + quoted((w,)) for w in text.excluded]
    return " ".join(parts)


def tsquery(text: TextQuery) -> sa.ColumnElement[object]:
    terms = sa.bindparam("ts_terms", websearch_text(text), type_=sa.Text, literal_execute=True)
    language = sa.bindparam("ts_language", text.language or "", type_=sa.Text, literal_execute=True)
    simple = sa.func.websearch_to_tsquery(sa.literal_column("'simple'::regconfig"), terms)
    stemmed = sa.func.websearch_to_tsquery(sa.func.search_config(language), terms)
    return simple.op("||")(stemmed)


_FREQUENCIES = sa.text(
    "SELECT e.word, e.freq FROM pg_stats, "
    "unnest(most_common_elems::text::text[], most_common_elem_freqs) AS e(word, freq) "
    "WHERE schemaname = current_schema() AND tablename = 'search_statuses' "
    "AND attname = 'vector' AND e.word = ANY(:words)"
)


async def estimated_share(conn: AsyncConnection, text: TextQuery) -> float:
    """The estimated share of statuses holding every positive term, from the
    words' frequencies in the statistics (0 for a word outside them, which
    is rarer than every word in them): the product of the terms' shares, as
    if they were independent, a phrase counting as its rarest word. Two
    words that are each common but rare together ("cycling science", 3%
    each) then go straight to the GIN index instead of first walking 5,000
    entries to find a handful (docs/design.md, 6.16)."""
    words = sorted({*text.words, *(w for p in text.phrases for w in p)})
    if not words:
        return 0.0
    rows = (await conn.execute(_FREQUENCIES, {"words": words})).all()
    return joint_share(text, {str(r.word): float(r.freq) for r in rows})


def joint_share(text: TextQuery, frequencies: Mapping[str, float]) -> float:
    """``estimated_share`` from the known words' frequencies."""
    terms = [(w,) for w in text.words] + [tuple(p) for p in text.phrases if p]
    if not terms:
        return 0.0
    share = 1.0
    for term in terms:
        share *= min(frequencies.get(w, 0.0) for w in term)
    return share


# For this transaction only: no parallel workers and no JIT. PostgreSQL
# guesses ~1% of rows for a word outside its statistics, which at 10M
# statuses prices the GIN plan high enough to start two parallel workers and
# compile it (50-100 ms on the 2-core machine) for a word found 0-10 times
# (0.05 ms without them, docs/benchmarks.md, "Search").
_NO_PARALLEL = sa.text(
    "SELECT set_config('max_parallel_workers_per_gather', '0', true), "
    "set_config('jit', 'off', true)"
)


class PostgresEngine:
    name = "postgresql-fts"

    async def find(
        self,
        conn: AsyncConnection,
        text: TextQuery,
        conditions: Sequence[sa.ColumnElement[bool]],
        page: Page,
        *,
        offset: int,
        relevance: bool,
        narrowed: bool,
    ) -> list[int]:
        query = tsquery(text)
        await conn.execute(_NO_PARALLEL)
        if relevance or page.ascending or narrowed:
            # The planner's join: with an author it reads their statuses
            # through (account_id, id) and tests each.
            match = INDEX.c.vector.op("@@")(query)
            score = sa.func.ts_rank(INDEX.c.vector, query) if relevance else None
            return await joined_ids(
                conn, INDEX, INDEX.c.status_id, match, conditions, page, offset=offset, score=score
            )
        share = await estimated_share(conn, text)
        if share >= COMMON:
            ids = await self._walk(conn, query, conditions, page, offset)
            if len(ids) >= page.limit:
                return ids
            return await self._gin_ids(conn, query, conditions, page, offset, floor=None)
        if share > 0:
            # Each word common, rare together: the recent index first.
            return await self._recent_first(conn, query, conditions, page, offset)
        # A word outside the statistics is rare: its posting list is short
        # in the whole index, and its matches mostly older than the bound.
        return await self._gin_ids(conn, query, conditions, page, offset, floor=None)

    async def _walk(
        self,
        conn: AsyncConnection,
        query: sa.ColumnElement[object],
        conditions: Sequence[sa.ColumnElement[bool]],
        page: Page,
        offset: int,
    ) -> list[int]:
        window = (
            bounded(sa.select(INDEX.c.status_id, INDEX.c.vector), INDEX.c.status_id, page)
            .order_by(INDEX.c.status_id.desc())
            .limit(WALK)
            .subquery("recent")
        )
        statement = (
            sa.select(_s.c.id)
            .select_from(window.join(_s, _s.c.id == window.c.status_id))
            .where(window.c.vector.op("@@")(query), *conditions)
            .order_by(window.c.status_id.desc())
            .limit(page.limit)
            .offset(offset)
        )
        return [int(r[0]) for r in (await conn.execute(statement)).all()]

    async def _recent_first(
        self,
        conn: AsyncConnection,
        query: sa.ColumnElement[object],
        conditions: Sequence[sa.ColumnElement[bool]],
        page: Page,
        offset: int,
    ) -> list[int]:
        bound = None if page.ascending else await current_bound(conn)
        if bound is not None and (page.max_id is None or page.max_id > bound):
            recent = await self._gin_ids(conn, query, conditions, page, offset, floor=bound)
            # Every match at or above the bound is newer than any below it:
            # a full page from above it is the page; so is any page whose
            # lower end is above it.
            if len(recent) >= page.limit or (page.lower is not None and page.lower >= bound):
                return recent
        return await self._gin_ids(conn, query, conditions, page, offset, floor=None)

    async def _gin_ids(
        self,
        conn: AsyncConnection,
        query: sa.ColumnElement[object],
        conditions: Sequence[sa.ColumnElement[bool]],
        page: Page,
        offset: int,
        *,
        floor: int | None,
    ) -> list[int]:
        statement = gin_statement(query, conditions, page, offset, floor=floor)
        return [int(r[0]) for r in (await conn.execute(statement)).all()]


def gin_statement(
    query: sa.ColumnElement[object],
    conditions: Sequence[sa.ColumnElement[bool]],
    page: Page,
    offset: int,
    *,
    floor: int | None,
) -> sa.Select[int]:
    """The GIN plan's statement; with ``floor``, only ids at or above it,
    written as a constant so the planner can use the recent index (whose
    predicate it is)."""
    found = sa.select(INDEX.c.status_id).where(INDEX.c.vector.op("@@")(query))
    if floor is not None:
        found = found.where(
            INDEX.c.status_id
            >= sa.bindparam("recent_floor", floor, type_=sa.BigInteger, literal_execute=True)
        )
    matches = bounded(found, INDEX.c.status_id, page).cte("matches").prefix_with("MATERIALIZED")
    ordered = (
        sa.select(matches.c.status_id).order_by(matches.c.status_id.desc()).subquery("ordered")
    )
    hit = sa.select(_s.c.id).where(_s.c.id == ordered.c.status_id, *conditions).lateral("hit")
    return (
        sa.select(hit.c.id)
        .select_from(ordered.join(hit, sa.true()))
        .order_by(ordered.c.status_id.desc())
        .limit(page.limit)
        .offset(offset)
    )
