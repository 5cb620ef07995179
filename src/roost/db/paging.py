"""Apply a Page (max_id / since_id / min_id / limit) to a SQL query on an id column.

Results come back newest first in every case; with ``min_id`` the query
reads upwards from the bound (the page right above it) and the rows are
reversed here, as Mastodon does.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

import sqlalchemy as sa

from roost.kernel.paging import Page

S = TypeVar("S", bound=sa.Select[*tuple[Any, ...]])
T = TypeVar("T")


def paged(query: S, column: sa.ColumnElement[int], page: Page) -> S:
    """Bound, order and limit ``query`` by ``column`` for ``page``."""
    if page.max_id is not None:
        query = query.where(column < page.max_id)
    lower = page.lower
    if lower is not None:
        query = query.where(column > lower)
    order = column.asc() if page.ascending else column.desc()
    return query.order_by(order).limit(page.limit)


def newest_first(rows: Sequence[T], page: Page) -> list[T]:
    """Rows of a ``paged`` query in newest-first order."""
    return list(reversed(rows)) if page.ascending else list(rows)
