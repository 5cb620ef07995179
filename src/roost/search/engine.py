"""The full-text engine behind status search: a small protocol with one
implementation per database, chosen from the database URL like every other
backend.

An engine only finds the ids of statuses whose text matches, among those
meeting the caller's conditions on ``statuses`` (visibility, operators),
within a page. Who may see what is built once, in ``statuses_search.py``.
Both engines keep their index in the database, written by triggers in the
transaction that inserts or deletes the status, so a deleted status is
gone from the index at its commit (docs/design.md, "Storing data to
optimise searches"). A dedicated search cluster would be a third
implementation, fed by outbox jobs.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Protocol

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.db import schema
from roost.db.paging import newest_first
from roost.kernel.paging import Page

_s = schema.statuses


@dataclasses.dataclass(frozen=True, slots=True)
class TextQuery:
    """The words a status must contain: all ``words``, each phrase as
    adjacent words, none of ``excluded``; ``language`` picks the stemming
    configuration where the engine has one."""

    words: tuple[str, ...]
    phrases: tuple[tuple[str, ...], ...]
    excluded: tuple[str, ...]
    language: str | None


class SearchEngine(Protocol):
    name: str

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
        """Ids of matching statuses meeting ``conditions`` (on ``statuses``)
        inside ``page``: newest first, or best first with ``relevance``.
        ``narrowed``: the conditions name an author, so reading their
        statuses first may beat reading the text index."""
        ...


def engine_for(dialect: str) -> SearchEngine:
    if dialect == "postgresql":
        from roost.search.postgres_fts import PostgresEngine

        return PostgresEngine()
    from roost.search.sqlite_fts import SqliteEngine

    return SqliteEngine()


def bounded(query: sa.Select[int], column: sa.ColumnElement[int], page: Page) -> sa.Select[int]:
    """``query`` restricted to the page's id bounds on ``column``."""
    if page.max_id is not None:
        query = query.where(column < page.max_id)
    if page.lower is not None:
        query = query.where(column > page.lower)
    return query


async def joined_ids(
    conn: AsyncConnection,
    index: sa.FromClause,
    id_column: sa.ColumnElement[int],
    match: sa.ColumnElement[bool],
    conditions: Sequence[sa.ColumnElement[bool]],
    page: Page,
    *,
    offset: int,
    score: sa.ColumnElement[float] | None = None,
) -> list[int]:
    """The plain plan: the index joined with ``statuses``, paged on the
    index's id column (so an engine that walks ids in order needs no sort),
    or ordered by ``score``."""
    query = bounded(
        sa.select(_s.c.id)
        .select_from(index.join(_s, _s.c.id == id_column))
        .where(match, *conditions),
        id_column,
        page,
    )
    if score is not None:
        query = query.order_by(score.desc(), id_column.desc())
    else:
        query = query.order_by(id_column.asc() if page.ascending else id_column.desc())
    rows = (await conn.execute(query.limit(page.limit).offset(offset))).all()
    return [int(r[0]) for r in (rows if score is not None else newest_first(rows, page))]
