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
from roost.db import schema
from roost.jobs.queue import enqueue
from roost.kernel.errors import NotFound
from roost.limits import spend_status_deletion
from roost.media.attach import release_media_of_statuses
from roost.notifications.outbox import forget_about_statuses, forget_reblog
from roost.statuses.authored import forget_authored
from roost.statuses.counters import ZERO, Counts, add_counts, delete_counts, forget_counts
from roost.statuses.entities import Status
from roost.statuses.hydrate import render_status
from roost.statuses.polls import delete_polls
from roost.statuses.records import DIRECT, PUBLIC
from roost.statuses.serializers import with_source
from roost.statuses.store import forget_statuses
from roost.statuses.visibility import forget_flags
from roost.statuses.writes import bump_statuses_count, lock_statuses

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
    # Statuses whose counters moved (parents of replies, originals of reblogs).
    counted_ids: set[int] = dataclasses.field(default_factory=set)
    # (reblogger, original) of removed reblogs: the reblogger's "reblogged" flag.
    unreblogged: set[tuple[int, int]] = dataclasses.field(default_factory=set)
    # (author, status) of every removed status: the authors' own lists.
    authored: set[tuple[int, int]] = dataclasses.field(default_factory=set)

    async def forget(self, services: Services) -> None:
        await forget_statuses(services, *self.status_ids)
        await forget_flags(services, self.unreblogged)
        await forget_counts(services, *self.status_ids, *self.counted_ids)
        await forget_accounts(services, *self.account_ids)
        await forget_authored(services, self.authored)
        services.jobs.notify()


def _counted_on(row: StatusRef) -> tuple[int, Counts] | None:
    """The status whose counter ``row`` adds to: its parent or its original."""
    if row.reblog_of_id is not None:
        return row.reblog_of_id, Counts(reblogs=1)
    if row.in_reply_to_id is not None:
        return row.in_reply_to_id, Counts(replies=1)
    return None


async def remove_statuses(
    conn: AsyncConnection, services: Services, rows: Sequence[StatusRef]
) -> Removed:
    """Delete these status rows with everything hanging off them, fix the
    counters and enqueue their un-fan-out, inside the caller's transaction.

    Rows a concurrent deletion removed first are skipped, so counters and
    jobs are never applied twice.
    """
    removed = Removed()
    if not rows:
        return removed
    ids = {r.id for r in rows}
    counted = [c for c in map(_counted_on, rows) if c is not None and c[0] not in ids]
    # Share-lock the counted statuses before the rows that count on them, the
    # order every writer follows (see writes.lock_statuses).
    alive = await lock_statuses(conn, (status_id for status_id, _ in counted))
    result = await conn.execute(_s.delete().where(_s.c.id.in_(sorted(ids))).returning(_s.c.id))
    deleted = {int(r.id) for r in result}
    if not deleted:
        return removed
    gone = sorted(deleted)
    # The hashtags of the deleted statuses: their followers got them too.
    st = schema.status_tags
    tags_of: dict[int, list[int]] = {}
    for row_id, tag_id in await conn.execute(
        sa.select(st.c.status_id, st.c.tag_id).where(st.c.status_id.in_(gone))
    ):
        tags_of.setdefault(int(row_id), []).append(int(tag_id))
    # The full-text index entry goes with the status row (a delete trigger
    # on both databases); the place cells go here.
    dependants = (
        schema.favourites,
        schema.bookmarks,
        schema.mentions,
        schema.status_tags,
        schema.status_cells,
        schema.status_edits,
        schema.status_pins,
    )
    for table in dependants:
        await conn.execute(table.delete().where(table.c.status_id.in_(gone)))
    # The files go by a job once this commits.
    await release_media_of_statuses(conn, services.ids, gone)
    await delete_counts(conn, gone)
    await delete_polls(conn, gone)  # a poll has its status's id
    await forget_about_statuses(conn, gone)
    deltas: dict[int, Counts] = {}
    per_author: Counter[int] = Counter()
    for row in rows:
        if row.id not in deleted:
            continue
        removed.status_ids.add(row.id)
        removed.account_ids.add(row.account_id)
        removed.authored.add((row.account_id, row.id))
        if row.visibility != DIRECT:
            per_author[row.account_id] += 1
        target = _counted_on(row)
        if target is not None and target[0] in alive:
            status_id, one = target
            deltas[status_id] = deltas.get(status_id, ZERO) + -one
        payload: dict[str, object] = {"status_id": row.id, "author_id": row.account_id}
        if row.visibility == PUBLIC and row.reblog_of_id is None and row.id in tags_of:
            payload["tag_ids"] = sorted(tags_of[row.id])
        if row.reblog_of_id is not None:
            payload["reblog_of_id"] = row.reblog_of_id
            removed.unreblogged.add((row.account_id, row.reblog_of_id))
            await forget_reblog(conn, row.account_id, row.reblog_of_id)
        await enqueue(conn, services.ids, "unfanout_status", payload)
    await add_counts(conn, deltas)
    removed.counted_ids.update(deltas)
    for account_id, count in per_author.items():
        await bump_statuses_count(conn, account_id, -count)
    return removed


async def delete_status(services: Services, *, status_id: int, account_id: int) -> Status:
    """Delete one of ``account_id``'s statuses and the reblogs of it; returns
    the deleted status with its source ``text`` (for delete-and-redraft)."""
    rendered = await render_status(services, status_id, viewer_id=account_id, primary=True)
    if rendered.account.id != str(account_id):
        raise NotFound()
    await spend_status_deletion(services, account_id=account_id)
    async with services.db.write() as conn:
        own = await load_refs(conn, (_s.c.id == status_id) & (_s.c.account_id == account_id))
        if not own:
            raise NotFound()
        text = (await conn.execute(sa.select(_s.c.text).where(_s.c.id == status_id))).scalar()
        reblogs = await load_refs(conn, _s.c.reblog_of_id == status_id)
        removed = await remove_statuses(conn, services, [*own, *reblogs])
        if status_id not in removed.status_ids:
            raise NotFound()  # a concurrent delete was first
        k = schema.idempotency_keys
        await conn.execute(
            k.delete().where(k.c.account_id == account_id, k.c.status_id == status_id)
        )
    await removed.forget(services)
    return with_source(rendered, text or "")
