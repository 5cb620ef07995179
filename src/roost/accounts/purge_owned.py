"""Steps of ``purge_account`` for what a deleted account owned besides its
statuses and relations (lists, filters, notifications, conversations and
the small per-account tables), and the last one, which leaves the row as a
tombstone. Same contract as ``purge_content``: a step does at most
``limit`` rows and answers whether it did anything.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

import sqlalchemy as sa

from roost.accounts.deletion import forget_deleted
from roost.accounts.store import forget_accounts
from roost.db import schema
from roost.filters.service import delete_filter
from roost.jobs.queue import enqueue
from roost.kernel.cachekeys import authored_key, home_key, list_timeline_key
from roost.kernel.errors import NotFound
from roost.lists.service import delete_list
from roost.lists.store import forget_lists
from roost.media.profile_keys import profile_keys
from roost.notifications.outbox import forget_sent_to

if TYPE_CHECKING:
    from roost.services import Services

_a = schema.accounts

# One chunk of a purge step: (services, account id, limit) -> did anything.
Step = Callable[["Services", int, int], Awaitable[bool]]


async def again(services: Services, account_id: int, limit: int) -> bool:
    """Drop the caches once more, from a worker (a reader may have written
    back what it read just before the deletion committed)."""
    await forget_deleted(services, account_id)
    return False


async def _ids(
    services: Services, table: sa.Table, owner: sa.ColumnElement[int], account_id: int, limit: int
) -> list[int]:
    async with services.db.read(primary=True) as conn:
        rows = await conn.execute(
            sa.select(table.c.id).where(owner == account_id).order_by(table.c.id).limit(limit)
        )
        return [int(r[0]) for r in rows]


async def lists(services: Services, account_id: int, limit: int) -> bool:
    """Its own lists, each as its owner deleting it would (members, cached
    record, list timeline)."""
    found = await _ids(services, schema.lists, schema.lists.c.account_id, account_id, limit)
    for list_id in found:
        with contextlib.suppress(NotFound):  # gone in an earlier run
            await delete_list(services, owner_id=account_id, list_id=list_id)
    return bool(found)


async def memberships(services: Services, account_id: int, limit: int) -> bool:
    """Its place in other accounts' lists (its followers' lists lost it with
    the follows; this takes any left), with those lists' caches."""
    la = schema.list_accounts
    async with services.db.write() as conn:
        rows = await conn.execute(
            sa.select(la.c.list_id, la.c.owner_id)
            .where(la.c.account_id == account_id)
            .order_by(la.c.list_id)
            .limit(limit)
        )
        found = [(int(r.list_id), int(r.owner_id)) for r in rows]
        if not found:
            return False
        await conn.execute(
            la.delete().where(
                la.c.account_id == account_id, la.c.list_id.in_([i for i, _ in found])
            )
        )
    for list_id, owner_id in found:
        await forget_lists(services, owner_id, [list_id])
        await services.timelines.drop(list_timeline_key(list_id))
    return True


async def filters(services: Services, account_id: int, limit: int) -> bool:
    found = await _ids(services, schema.filters, schema.filters.c.account_id, account_id, limit)
    for filter_id in found:
        with contextlib.suppress(NotFound):
            await delete_filter(services, owner_id=account_id, filter_id=filter_id)
    return bool(found)


def _chunked(table: sa.Table) -> Step:
    async def step(services: Services, account_id: int, limit: int) -> bool:
        found = await _ids(services, table, table.c.account_id, account_id, limit)
        if found:
            async with services.db.write() as conn:
                await conn.execute(table.delete().where(table.c.id.in_(found)))
        return bool(found)

    return step


# Its notifications (those it sent went with what they were about: its
# statuses, favourites, reblogs, follows and requests) and its conversations.
notifications = _chunked(schema.notifications)
conversations = _chunked(schema.conversations)

# Rows a person has a handful of, each table in one statement.
_SMALL = (
    (schema.featured_tags, schema.featured_tags.c.account_id),
    (schema.tag_follows, schema.tag_follows.c.account_id),
    (schema.domain_blocks, schema.domain_blocks.c.account_id),
    (schema.suggestion_dismissals, schema.suggestion_dismissals.c.account_id),
    (schema.suggestion_dismissals, schema.suggestion_dismissals.c.target_account_id),
    (schema.markers, schema.markers.c.account_id),
    (schema.idempotency_keys, schema.idempotency_keys.c.account_id),
)


async def small_tables(services: Services, account_id: int, limit: int) -> bool:
    """Featured and followed hashtags, domain blocks, dismissed suggestions,
    markers, idempotency keys, and what it sent the administrators (the
    notice of its sign-up, of its reports)."""
    async with services.db.write() as conn:
        for table, owner in _SMALL:
            await conn.execute(table.delete().where(owner == account_id))
        admins = await conn.execute(sa.select(_a.c.id).where(_a.c.is_admin.is_(True)))
        await forget_sent_to(conn, account_id, [int(r[0]) for r in admins])
    return False


async def tombstone(services: Services, account_id: int, limit: int) -> bool:
    """What is left of the row: its name, e-mail address and dates, answered
    as a suspended account's; no profile, counters at zero, no password, no
    token. The pictures' files go by a ``delete_blobs`` job."""
    t = schema.oauth_tokens
    async with services.db.write() as conn:
        row = (
            await conn.execute(
                sa.select(_a.c.avatar_url, _a.c.header_url).where(_a.c.id == account_id)
            )
        ).first()
        if row is None:
            return False
        await conn.execute(
            _a.update()
            .where(_a.c.id == account_id)
            .values(
                display_name="",
                note="",
                fields=[],
                avatar_url="",
                header_url="",
                locked=False,
                bot=False,
                discoverable=False,
                indexable=False,
                followers_count=0,
                following_count=0,
                statuses_count=0,
                last_status_at=None,
                # No password hash: nothing verifies against an empty one.
                password_hash="",
            )
        )
        keys = [*profile_keys(str(row.avatar_url)), *profile_keys(str(row.header_url))]
        if keys:
            await enqueue(conn, services.ids, "delete_blobs", {"keys": keys})
        hashes = [
            str(r[0])
            for r in await conn.execute(
                t.delete().where(t.c.account_id == account_id).returning(t.c.token_hash)
            )
        ]
    await services.tokens.forget(*hashes)
    # Its own timelines: nobody reads them again.
    await services.timelines.drop(home_key(account_id))
    await services.timelines.drop(authored_key(account_id))
    await forget_accounts(services, account_id)
    await forget_deleted(services, account_id)
    return False
