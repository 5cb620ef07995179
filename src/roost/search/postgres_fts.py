"""PostgreSQL full-text search: ``search_statuses`` holds one tsvector per
status (the stemmed words of its language's configuration plus the plain
'simple' words), GIN-indexed, written by a trigger on statuses (migration
0010_search). A query matches the stemmed form in the query's language or
the plain words, so "running" finds "runs" in English text and a word in
any other language is still found as typed.

The query text is rendered into the statement as a literal (quoted by the
driver's literal processor), so PostgreSQL plans each search with the real
tsquery: it estimates from the words' frequencies whether to walk the
newest statuses and filter (a common word) or to read the GIN posting
lists and sort (a rare one)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import TSVECTOR

from roost.search.engine import TextQuery

INDEX = sa.table(
    "search_statuses", sa.column("status_id", sa.BigInteger), sa.column("vector", TSVECTOR)
)


def websearch_text(text: TextQuery) -> str:
    """The terms in ``websearch_to_tsquery``'s syntax, each one quoted so
    that a word like "or" or a leading "-" is searched, never obeyed."""

    def quoted(words: tuple[str, ...]) -> str:
        return '"' + " ".join(w.replace('"', "") for w in words) + '"'

    parts = [quoted((w,)) for w in text.words]
    parts += [quoted(p) for p in text.phrases]
    parts += ["-" + quoted((w,)) for w in text.excluded]
    return " ".join(parts)


# How many of the newest index entries the first, walking phase reads.
WALK = 5000


class PostgresEngine:
    name = "postgresql-fts"

    def matching(
        self, text: TextQuery, *, relevance: bool
    ) -> tuple[
        sa.FromClause, sa.ColumnElement[int], sa.ColumnElement[bool], sa.ColumnElement[float] | None
    ]:
        terms = sa.bindparam("ts_terms", websearch_text(text), type_=sa.Text, literal_execute=True)
        language = sa.bindparam(
            "ts_language", text.language or "", type_=sa.Text, literal_execute=True
        )
        simple = sa.func.websearch_to_tsquery(sa.literal_column("'simple'::regconfig"), terms)
        stemmed = sa.func.websearch_to_tsquery(sa.func.search_config(language), terms)
        query = simple.op("||")(stemmed)
        condition = INDEX.c.vector.op("@@")(query)
        score = sa.func.ts_rank(INDEX.c.vector, query) if relevance else None
        return INDEX, INDEX.c.status_id, condition, score

    def tsquery(self, text: TextQuery) -> sa.ColumnElement[object]:
        terms = sa.bindparam("ts_terms", websearch_text(text), type_=sa.Text, literal_execute=True)
        language = sa.bindparam(
            "ts_language", text.language or "", type_=sa.Text, literal_execute=True
        )
        simple = sa.func.websearch_to_tsquery(sa.literal_column("'simple'::regconfig"), terms)
        stemmed = sa.func.websearch_to_tsquery(sa.func.search_config(language), terms)
        return simple.op("||")(stemmed)

    def newest_window(
        self, text: TextQuery, bounds: list[sa.ColumnElement[bool]] | None = None
    ) -> tuple[sa.FromClause, sa.ColumnElement[int], sa.ColumnElement[bool]]:
        """Phase one: the newest ``WALK`` index entries (within the page's
        bounds), tested one by one. Enough for any word that is not rare."""
        window = (
            sa.select(INDEX.c.status_id, INDEX.c.vector)
            .where(*(bounds or []))
            .order_by(INDEX.c.status_id.desc())
            .limit(WALK)
            .subquery("recent")
        )
        return window, window.c.status_id, window.c.vector.op("@@")(self.tsquery(text))

    def all_matches(
        self, text: TextQuery
    ) -> tuple[sa.FromClause, sa.ColumnElement[int], sa.ColumnElement[bool]]:
        """Phase two: every match, read from the GIN index into a
        materialized CTE (so the planner cannot turn it into a walk), then
        sorted. Only reached for words rare among the newest statuses."""
        matches = (
            sa.select(INDEX.c.status_id)
            .where(INDEX.c.vector.op("@@")(self.tsquery(text)))
            .cte("matches")
            .prefix_with("MATERIALIZED")
        )
        return matches, matches.c.status_id, sa.true()
