"""Deleting statuses (and reblogs): rows, dependants and counters in one
transaction, with an ``unfanout_status`` job per removed status."""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.accounts.store import forget_accounts
from roost.api.errors import ApiError
from roost.db import schema
from roost.jobs.queue import enqueue
from roost.statuses.entities import Status
from roost.statuses.hydrate import render_status
from roost.statuses.records import DIRECT
from roost.statuses.serializers import with_source
from roost.statuses.store import forget_statuses
from roost.statuses.writes import bump_status_counter, bump_statuses_count

if TYPE_CHECKING:
    from roost.services import Services

_s = schema.statuses


@dataclasses.dataclass(frozen=True, slots=True)
class StatusRef:
    """The columns of a status row that a deletion needs."""

    id: int
    account_id: int
    visibility: int
    in_reply_to_id: int | None
    reblog_of_id: int | None


REF_COLUMNS = (_s.c.id, _s.c.account_id, _s.c.visibility, _s.c.in_reply_to_id, _s.c.reblog_of_id)


async def load_refs(conn: AsyncConnection, condition: sa.ColumnElement[bool]) -> list[StatusRef]:
    rows = await conn.execute(sa.select(*REF_COLUMNS).where(condition))
    return [StatusRef(*row) for row in rows]


@dataclasses.dataclass(slots=True)
class Removed:
    """What a deletion touched, to forget from the caches after the commit."""

    status_ids: set[int] = dataclasses.field(default_factory=set)
    account_ids: set[int] = dataclasses.field(default_factory=set)

    async def forget(self, services: Services) -> None:
        await forget_statuses(services, *self.status_ids)
        await forget_accounts(services, *self.account_ids)
        services.jobs.notify()


async def remove_statuses(
    conn: AsyncConnection, services: Services, rows: Sequence[StatusRef]
) -> Removed:
    """Delete these status rows (id, account_id, visibility, in_reply_to_id,
    reblog_of_id) with everything hanging off them, fix the counters and
    enqueue their un-fan-out, inside the caller's transaction."""
    removed = Removed()
    if not rows:
        return removed
    ids = [r.id for r in rows]
    for table in (schema.favourites, schema.bookmarks, schema.mentions, schema.status_tags):
        await conn.execute(table.delete().where(table.c.status_id.in_(ids)))
    await conn.execute(_s.delete().where(_s.c.id.in_(ids)))
    per_author: Counter[int] = Counter()
    for row in rows:
        removed.status_ids.add(row.id)
        removed.account_ids.add(row.account_id)
        if row.visibility != DIRECT:
            per_author[row.account_id] += 1
        if row.in_reply_to_id is not None and row.in_reply_to_id not in ids:
            await bump_status_counter(conn, row.in_reply_to_id, "replies_count", -1)
            removed.status_ids.add(row.in_reply_to_id)
        if row.reblog_of_id is not None and row.reblog_of_id not in ids:
            await bump_status_counter(conn, row.reblog_of_id, "reblogs_count", -1)
            removed.status_ids.add(row.reblog_of_id)
        payload: dict[str, int] = {"status_id": row.id, "author_id": row.account_id}
        if row.reblog_of_id is not None:
            payload["reblog_of_id"] = row.reblog_of_id
        await enqueue(conn, services.ids, "unfanout_status", payload)
    for account_id, count in per_author.items():
        await bump_statuses_count(conn, account_id, -count)
    return removed


async def delete_status(services: Services, *, status_id: int, account_id: int) -> Status:
    """Delete one of ``account_id``'s statuses and the reblogs of it; returns
    the deleted status with its source ``text`` (for delete-and-redraft)."""
    rendered = await render_status(services, status_id, viewer_id=account_id, primary=True)
    if rendered.account.id != str(account_id):
        raise ApiError(404, "Record not found")
    async with services.db.write() as conn:
        own = await load_refs(conn, (_s.c.id == status_id) & (_s.c.account_id == account_id))
        if not own:
            raise ApiError(404, "Record not found")
        text = (await conn.execute(sa.select(_s.c.text).where(_s.c.id == status_id))).scalar()
        reblogs = await load_refs(conn, _s.c.reblog_of_id == status_id)
        removed = await remove_statuses(conn, services, [*own, *reblogs])
        k = schema.idempotency_keys
        await conn.execute(
            k.delete().where(k.c.account_id == account_id, k.c.status_id == status_id)
        )
    await removed.forget(services)
    return with_source(rendered, text or "")
