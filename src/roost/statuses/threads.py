"""Conversation threads: the ancestors and descendants of a status.

Each direction is one recursive query (SQLite and PostgreSQL both have
``WITH RECURSIVE``), then one batched hydration for the whole thread.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.db import schema
from roost.filters.matching import ContextFilters, plain_text, status_text
from roost.filters.store import load_filters
from roost.statuses.counters import load_counts
from roost.statuses.entities import Context
from roost.statuses.hydrate import render_statuses
from roost.statuses.targets import visible_target

if TYPE_CHECKING:
    from roost.services import Services

ANCESTORS_LIMIT = 40
DESCENDANTS_DEPTH = 64
# Mastodon's limits: anonymous readers get a short thread.
DESCENDANTS_LIMIT = 4096
DESCENDANTS_LIMIT_ANONYMOUS = 60

_s = schema.statuses


def _depth(value: int) -> sa.ColumnElement[int]:
    return sa.literal_column(str(value), sa.Integer)


async def _ancestor_ids(conn: AsyncConnection, parent_id: int) -> list[int]:
    """The reply chain above a status, oldest first."""
    up = (
        sa.select(_s.c.id, _s.c.in_reply_to_id, _depth(1).label("depth"))
        .where(_s.c.id == parent_id)
        .cte("up", recursive=True)
    )
    up = up.union_all(
        sa.select(_s.c.id, _s.c.in_reply_to_id, (up.c.depth + 1).label("depth")).where(
            _s.c.id == up.c.in_reply_to_id, up.c.depth < ANCESTORS_LIMIT
        )
    )
    rows = await conn.execute(sa.select(up.c.id).order_by(up.c.depth.desc()))
    return [int(r.id) for r in rows]


async def _descendant_ids(conn: AsyncConnection, root_id: int, limit: int) -> list[int]:
    """Replies below a status, depth first (each branch in posting order)."""
    down = (
        sa.select(_s.c.id, _s.c.in_reply_to_id, _depth(1).label("depth"))
        .where(_s.c.in_reply_to_id == root_id)
        .cte("down", recursive=True)
    )
    down = down.union_all(
        sa.select(_s.c.id, _s.c.in_reply_to_id, (down.c.depth + 1).label("depth")).where(
            _s.c.in_reply_to_id == down.c.id, down.c.depth < DESCENDANTS_DEPTH
        )
    )
    rows = (
        await conn.execute(
            sa.select(down.c.id, down.c.in_reply_to_id).order_by(down.c.depth).limit(limit)
        )
    ).all()
    children: dict[int, list[int]] = defaultdict(list)
    for row in rows:
        children[int(row.in_reply_to_id)].append(int(row.id))
    ordered: list[int] = []
    stack = sorted(children[root_id], reverse=True)
    while stack:
        current = stack.pop()
        ordered.append(current)
        stack.extend(sorted(children.get(current, ()), reverse=True))
    return ordered


async def load_context(services: Services, *, status_id: int, viewer_id: int | None) -> Context:
    """The thread around a status the viewer may see (404 otherwise); statuses
    the viewer may not see are left out."""
    target = await visible_target(services, status_id, viewer_id=viewer_id, primary=False)
    limit = DESCENDANTS_LIMIT if viewer_id is not None else DESCENDANTS_LIMIT_ANONYMOUS
    ancestors: list[int] = []
    descendants: list[int] = []
    # The (cached) reply count spares the descendants query for most statuses.
    has_replies = (await load_counts(services, [target.id]))[target.id].replies > 0
    if target.in_reply_to_id is not None or has_replies:
        async with services.db.read() as conn:
            if target.in_reply_to_id is not None:
                ancestors = await _ancestor_ids(conn, target.in_reply_to_id)
            if has_replies:
                descendants = await _descendant_ids(conn, target.id, limit)
    rendered = await render_statuses(services, ancestors + descendants, viewer_id=viewer_id)
    if viewer_id is not None and rendered:
        judge = ContextFilters(await load_filters(services, viewer_id), "thread")
        if judge:
            kept = []
            for status in rendered:
                proper = status.reblog or status
                hidden, results = judge.results(
                    int(proper.id), status_text(proper.spoiler_text, plain_text(proper.content))
                )
                if hidden:
                    continue
                if results:
                    status.filtered = results
                kept.append(status)
            rendered = kept
    above = set(ancestors)
    return Context(
        ancestors=[s for s in rendered if int(s.id) in above],
        descendants=[s for s in rendered if int(s.id) not in above],
    )
