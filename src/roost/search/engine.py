"""The full-text engine behind status search: a small protocol with one
implementation per database, chosen from the database URL like every other
backend.

An engine only knows how to restrict a statuses query to a text match and
order it; who may see what, operators and paging are built once, in
``statuses_search.py``, as conditions on the ``statuses`` table. Both engines
keep their index in the database, written by triggers in the transaction
that inserts or deletes the status, so a deleted status is gone from the
index at its commit (docs/design.md, "Storing data to optimise searches").
"""

from __future__ import annotations

import dataclasses
from typing import Protocol

import sqlalchemy as sa

from roost.db import schema

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

    def matching(
        self, text: TextQuery, *, relevance: bool
    ) -> tuple[
        sa.FromClause, sa.ColumnElement[int], sa.ColumnElement[bool], sa.ColumnElement[float] | None
    ]:
        """What to join ``statuses`` with: the index (a FROM clause), its
        status id column (to join on and to page by: the engines walk it
        newest first), the match condition and, with ``relevance``, a score
        to order by (higher is better)."""
        ...


def engine_for(dialect: str) -> SearchEngine:
    if dialect == "postgresql":
        from roost.search.postgres_fts import PostgresEngine

        return PostgresEngine()
    from roost.search.sqlite_fts import SqliteEngine

    return SqliteEngine()


def statuses_joined(index: sa.FromClause, id_column: sa.ColumnElement[int]) -> sa.FromClause:
    return index.join(_s, _s.c.id == id_column)
