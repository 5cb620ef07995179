"""The home timeline from the database: what a rebuild loads into the cache
and what a page older than the cache is read from.

Four id-ordered streams are read a chunk at a time: the account's own
statuses, those of the accounts it follows, direct statuses that mention
it, and public statuses with a hashtag it follows. They are merged and
passed through ``filters.admits_home`` (and ``admits_tagged``), the rules
fan-out applies, so a rebuilt timeline matches a fanned-out one.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.db import schema
from roost.db.paging import paged
from roost.kernel.paging import Page
from roost.relationships.graph import followed_ids_query, following_map
from roost.relationships.store import load_excluded_ids
from roost.statuses.records import DIRECT, PUBLIC
from roost.timelines.filters import (
    FactsSelect,
    ReceiverView,
    StatusFacts,
    admits_home,
    admits_tagged,
    facts_from_rows,
    facts_query,
)

if TYPE_CHECKING:
    from roost.services import Services

_s, _m, _f = schema.statuses, schema.mentions, schema.follows
_st, _tf = schema.status_tags, schema.tag_follows
MIN_CHUNK = 40
# A reader who follows nobody visible could make the loop scan for long;
# after this many chunks the page is returned as it is.
MAX_ROUNDS = 20


def _followed(viewer_id: int, page: Page, dialect: str) -> FactsSelect:
    """One page of the statuses of the accounts ``viewer_id`` follows.

    On PostgreSQL each followed account's own newest statuses are read
    through its (account_id, id) index first (a LATERAL join: at most
    ``page.limit`` rows per account), then merged. Written as ``account_id IN
    (followed)`` ordered by id, the planner may instead walk every status by
    id and test each one, which it prices as cheap once statuses are many:
    with 10M statuses a rebuild did not finish within 10 s. SQLite has no
    LATERAL and keeps the IN form.
    """
    if dialect != "postgresql":
        followed = facts_query().where(
            _s.c.account_id.in_(followed_ids_query(viewer_id)), _s.c.visibility < DIRECT
        )
        return paged(followed, _s.c.id, page)
    newest = paged(
        facts_query().where(_s.c.account_id == _f.c.target_account_id, _s.c.visibility < DIRECT),
        _s.c.id,
        page,
    ).lateral("newest")
    merged = (
        sa.select(*newest.c)
        .select_from(_f.join(newest, sa.true()))
        .where(_f.c.account_id == viewer_id)
    )
    return paged(merged, newest.c.id, page)


def _tagged(viewer_id: int, page: Page, dialect: str) -> FactsSelect:
    """One page of the public original statuses carrying a hashtag the
    viewer follows (as fan-out delivers them). On PostgreSQL each followed
    tag's newest statuses come from the status_tags primary key first (a
    LATERAL join, as for followed accounts)."""
    wanted = (_s.c.visibility == PUBLIC, _s.c.reblog_of_id.is_(None))
    if dialect != "postgresql":
        followed_tags = sa.select(_tf.c.tag_id).where(_tf.c.account_id == viewer_id)
        tagged_ids = sa.select(_st.c.status_id).where(_st.c.tag_id.in_(followed_tags))
        return paged(facts_query().where(_s.c.id.in_(tagged_ids), *wanted), _s.c.id, page)
    newest = paged(
        sa.select(_st.c.status_id).where(_st.c.tag_id == _tf.c.tag_id), _st.c.status_id, page
    ).lateral("tagged")
    source = _tf.join(newest, sa.true()).join(_s, _s.c.id == newest.c.status_id)
    query = facts_query(source).where(_tf.c.account_id == viewer_id, *wanted)
    return paged(query, _s.c.id, page)


def _streams(viewer_id: int, page: Page, dialect: str) -> list[tuple[FactsSelect, str]]:
    """(paged query, kind) of each stream: "plain", "mentioned" (direct
    statuses that mention the viewer) or "tagged" (a followed hashtag)."""
    own = facts_query().where(_s.c.account_id == viewer_id)
    direct = (
        facts_query()
        .join(_m, _m.c.status_id == _s.c.id)
        .where(_m.c.account_id == viewer_id, _s.c.visibility == DIRECT)
    )
    return [
        (paged(own, _s.c.id, page), "plain"),
        (_followed(viewer_id, page, dialect), "plain"),
        (paged(direct, _s.c.id, page), "mentioned"),
        (_tagged(viewer_id, page, dialect), "tagged"),
    ]


@dataclasses.dataclass(slots=True)
class _Round:
    facts: dict[int, tuple[StatusFacts, set[str]]]
    boundary: int | None  # results are complete only up to here; None: streams exhausted


async def _read_round(conn: AsyncConnection, viewer_id: int, page: Page, chunk: int) -> _Round:
    bounded = dataclasses.replace(page, limit=chunk)
    facts: dict[int, tuple[StatusFacts, set[str]]] = {}
    edges: list[int] = []
    for query, kind in _streams(viewer_id, bounded, conn.dialect.name):
        rows = facts_from_rows((await conn.execute(query)).all())
        for fact in rows:
            facts.setdefault(fact.id, (fact, set()))[1].add(kind)
        if len(rows) == chunk:
            # This stream has more beyond its last row (the furthest from the
            # page's start), so the merged result is only complete up to there.
            edges.append(rows[-1].id)
    if not edges:
        return _Round(facts, None)
    boundary = max(edges) if not page.ascending else min(edges)
    return _Round(facts, boundary)


async def query_home_ids(services: Services, *, viewer_id: int, page: Page) -> list[int]:
    """Up to ``page.limit`` ids of the viewer's home timeline within ``page``,
    newest first, read from the database (primary: rebuilds must not miss a
    status whose fan-out already ran)."""
    excluded = await load_excluded_ids(services, viewer_id)
    chunk = max(page.limit, MIN_CHUNK)
    chosen: list[int] = []
    cursor = page
    async with services.db.read(primary=True) as conn:
        view = ReceiverView(viewer_id, await following_map(conn, viewer_id), excluded)
        for _ in range(MAX_ROUNDS):
            found = await _read_round(conn, viewer_id, cursor, chunk)
            ordered = sorted(found.facts, reverse=not page.ascending)
            for status_id in ordered:
                if found.boundary is not None and (
                    status_id < found.boundary if not page.ascending else status_id > found.boundary
                ):
                    break
                fact, kinds = found.facts[status_id]
                if admits_home(fact, view, mentioned="mentioned" in kinds) or (
                    "tagged" in kinds and admits_tagged(fact, view)
                ):
                    chosen.append(status_id)
            if len(chosen) >= page.limit or found.boundary is None:
                break
            # Continue past the boundary (exclusive bound on the next round).
            if page.ascending:
                cursor = dataclasses.replace(cursor, min_id=found.boundary, since_id=None)
            else:
                cursor = dataclasses.replace(cursor, max_id=found.boundary)
    chosen = chosen[: page.limit]
    return list(reversed(chosen)) if page.ascending else chosen
