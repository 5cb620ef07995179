"""SQLite FTS5: an external-content index over statuses' text and content
warning (the text is stored once, in statuses), tokenised by ``unicode61``
with diacritics folded. Filled and emptied by triggers (migration
0010_search). Queries walk the index's rowids (the status ids) newest first,
which FTS5 does without sorting; ``relevance`` orders by bm25."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.db import schema
from roost.db.paging import newest_first
from roost.kernel.paging import Page
from roost.search.engine import TextQuery, bounded, joined_ids

INDEX = sa.table("search_statuses", sa.column("rowid", sa.BigInteger), sa.column("rank"))
_s = schema.statuses


def _quoted(words: Sequence[str]) -> str:
    return '"' + " ".join(w.replace('"', '""') for w in words) + '"'


def fts5_expression(text: TextQuery) -> str:
    """An FTS5 query where every user term is a quoted string, so nothing
    the user typed is read as FTS5 syntax."""
    positive = [_quoted((w,)) for w in text.words] + [_quoted(p) for p in text.phrases]
    expression = " AND ".join(positive)
    for word in text.excluded:
        expression += " NOT " + _quoted((word,))
    return expression


class SqliteEngine:
    name = "sqlite-fts5"

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
        match = sa.literal_column("search_statuses").op("MATCH")(
            sa.bindparam("fts_query", fts5_expression(text), type_=sa.Text)
        )
        if narrowed and not relevance:
            # Read the few authors' (or the tag's) statuses newest first and
            # ask FTS5 about each one: a rowid-bound MATCH seeks, it does
            # not walk the word's whole list.
            checked = sa.exists().where(match, INDEX.c.rowid == _s.c.id)
            query = bounded(sa.select(_s.c.id).where(checked, *conditions), _s.c.id, page)
            order = _s.c.id.asc() if page.ascending else _s.c.id.desc()
            rows = (
                await conn.execute(query.order_by(order).limit(page.limit).offset(offset))
            ).all()
            return [int(r[0]) for r in newest_first(rows, page)]
        # bm25 rank: lower is better, so its negation scores.
        score = -INDEX.c.rank if relevance else None
        return await joined_ids(
            conn, INDEX, INDEX.c.rowid, match, conditions, page, offset=offset, score=score
        )
