"""Paged lists around statuses: the viewer's favourites and bookmarks, and
who favourited or reblogged a status. Each page is one query, paged by the
id of the row that links the two (favourite, bookmark or reblog id)."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import sqlalchemy as sa

from roost.db import schema
from roost.kernel.paging import Page

if TYPE_CHECKING:
    from roost.services import Services


@dataclasses.dataclass(frozen=True, slots=True)
class LinkedPage:
    """Ids of the listed things, with the ids of the rows that page them."""

    item_ids: list[int]
    cursor_ids: list[int]


async def _page(
    services: Services,
    cursor: sa.Column[int],
    item: sa.Column[int],
    condition: sa.ColumnElement[bool],
    page: Page,
) -> LinkedPage:
    query = sa.select(cursor, item).where(condition)
    if page.max_id is not None:
        query = query.where(cursor < page.max_id)
    if page.lower is not None:
        query = query.where(cursor > page.lower)
    # min_id paging takes the page right above min_id (oldest first), then
    # it is turned around to the usual newest-first order.
    query = query.order_by(cursor.asc() if page.ascending else cursor.desc()).limit(page.limit)
    async with services.db.read() as conn:
        rows = list((await conn.execute(query)).all())
    if page.ascending:
        rows.reverse()
    return LinkedPage(item_ids=[r[1] for r in rows], cursor_ids=[r[0] for r in rows])


async def list_favourites(services: Services, *, account_id: int, page: Page) -> LinkedPage:
    """Statuses the account favourited, newest favourite first."""
    f = schema.favourites
    return await _page(services, f.c.id, f.c.status_id, f.c.account_id == account_id, page)


async def list_bookmarks(services: Services, *, account_id: int, page: Page) -> LinkedPage:
    """Statuses the account bookmarked, newest bookmark first."""
    b = schema.bookmarks
    return await _page(services, b.c.id, b.c.status_id, b.c.account_id == account_id, page)


async def list_favouriters(services: Services, *, status_id: int, page: Page) -> LinkedPage:
    """Accounts that favourited a status, newest first."""
    f = schema.favourites
    return await _page(services, f.c.id, f.c.account_id, f.c.status_id == status_id, page)


async def list_rebloggers(services: Services, *, status_id: int, page: Page) -> LinkedPage:
    """Accounts that reblogged a status, newest first (paged by reblog id)."""
    s = schema.statuses
    return await _page(services, s.c.id, s.c.account_id, s.c.reblog_of_id == status_id, page)
