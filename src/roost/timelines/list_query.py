"""A list timeline from the database: what a rebuild loads into the cache
and what a page older than the cache is read from.

The members' statuses are read a chunk at a time, newest first, and passed
through ``filters.admits_list``, the rule fan-out applies, so a rebuilt
list timeline matches a fanned-out one.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import sqlalchemy as sa

from roost.db import schema
from roost.db.paging import paged
from roost.kernel.paging import Page
from roost.lists.store import ListRecord
from roost.relationships.graph import following_map
from roost.relationships.store import load_excluded_ids
from roost.statuses.records import DIRECT
from roost.timelines.filters import (
    FactsSelect,
    ReceiverView,
    admits_list,
    facts_from_rows,
    facts_query,
)

if TYPE_CHECKING:
    from roost.services import Services

_s, _la = schema.statuses, schema.list_accounts
MIN_CHUNK = 40
# A list whose members post mostly what it leaves out (replies to others)
# could make the loop scan for long; after this many chunks the page is
# returned as it is.
MAX_ROUNDS = 20


def _members_statuses(list_id: int, page: Page, dialect: str) -> FactsSelect:
    """One page of the members' non-direct statuses. On PostgreSQL each
    member's newest statuses are read through its (account_id, id) index
    (LATERAL, as the home timeline's followed accounts are)."""
    if dialect != "postgresql":
        members = sa.select(_la.c.account_id).where(_la.c.list_id == list_id)
        query = facts_query().where(_s.c.account_id.in_(members), _s.c.visibility < DIRECT)
        return paged(query, _s.c.id, page)
    newest = paged(
        facts_query().where(_s.c.account_id == _la.c.account_id, _s.c.visibility < DIRECT),
        _s.c.id,
        page,
    ).lateral("newest")
    merged = (
        sa.select(*newest.c)
        .select_from(_la.join(newest, sa.true()))
        .where(_la.c.list_id == list_id)
    )
    return paged(merged, newest.c.id, page)


async def query_list_ids(services: Services, *, record: ListRecord, page: Page) -> list[int]:
    """Up to ``page.limit`` ids of the list's timeline within ``page``, newest
    first (read from the primary, as home rebuilds are)."""
    if not record.members:
        return []
    owner = record.owner_id
    members = set(record.members)
    excluded = await load_excluded_ids(services, owner)
    chunk = max(page.limit, MIN_CHUNK)
    chosen: list[int] = []
    cursor = dataclasses.replace(page, limit=chunk)
    async with services.db.read(primary=True) as conn:
        view = ReceiverView(owner, await following_map(conn, owner), excluded)
        for _ in range(MAX_ROUNDS):
            query = _members_statuses(record.id, cursor, conn.dialect.name)
            rows = facts_from_rows((await conn.execute(query)).all())
            for fact in rows:
                reply_to = fact.in_reply_to_account_id
                if admits_list(
                    fact,
                    view,
                    replies_policy=record.replies_policy,
                    reply_to_in_list=reply_to in members,
                ):
                    chosen.append(fact.id)
            if len(chosen) >= page.limit or len(rows) < chunk:
                break
            if page.ascending:
                cursor = dataclasses.replace(cursor, min_id=rows[-1].id, since_id=None)
            else:
                cursor = dataclasses.replace(cursor, max_id=rows[-1].id)
    chosen = chosen[: page.limit]
    return list(reversed(chosen)) if page.ascending else chosen
