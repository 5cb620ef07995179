"""Relationship use cases: follow, unfollow, block, unblock, mute, unmute.

Each is one transaction that changes the graph, keeps the accounts' follow
counters exact and enqueues the timeline jobs (outbox) that bring home
timelines in line; caches are dropped only after the commit.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.accounts.store import forget_accounts
from roost.db import schema
from roost.jobs.queue import enqueue
from roost.kernel.errors import Forbidden, NotFound
from roost.relationships.entities import Relationship
from roost.relationships.store import forget_relationships, load_pair_state, relationship_entity

if TYPE_CHECKING:
    from roost.services import Services

_a, _f, _b, _m = schema.accounts, schema.follows, schema.blocks, schema.mutes

TIMELINE_FOLLOW = "timeline_follow"
TIMELINE_UNFOLLOW = "timeline_unfollow"


@dataclasses.dataclass(slots=True)
class _Outcome:
    """What a transaction changed, to act on after the commit."""

    changed: bool = False
    counters: bool = False
    jobs: bool = False


def _not_allowed() -> Forbidden:
    return Forbidden()


async def _lock_pair(
    services: Services, conn: AsyncConnection, account_id: int, target_id: int
) -> None:
    """404 unless the target exists; on PostgreSQL also lock both account rows
    (in id order) so concurrent changes to the same pair cannot interleave,
    e.g. a follow slipping in beside a block. SQLite writers are serialized."""
    if account_id == target_id:
        raise _not_allowed()
    query = sa.select(_a.c.id).where(_a.c.id.in_([account_id, target_id])).order_by(_a.c.id)
    if not services.db.is_sqlite:
        query = query.with_for_update()
    found = {int(r.id) for r in (await conn.execute(query)).all()}
    if target_id not in found:
        raise NotFound()


async def _insert_ignore(
    services: Services, conn: AsyncConnection, table: sa.Table, values: dict[str, Any]
) -> bool:
    """Insert unless the primary key exists; True when a row was added."""
    dialect = sqlite if services.db.is_sqlite else postgresql
    stmt = dialect.insert(table).values(**values).on_conflict_do_nothing().returning(table.c.id)
    return (await conn.execute(stmt)).first() is not None


async def _delete_pair(
    conn: AsyncConnection, table: sa.Table, account_id: int, target_id: int
) -> bool:
    result = await conn.execute(
        table.delete().where(
            table.c.account_id == account_id, table.c.target_account_id == target_id
        )
    )
    return result.rowcount > 0


async def _count_follow(conn: AsyncConnection, account_id: int, target_id: int, delta: int) -> None:
    await conn.execute(
        _a.update()
        .where(_a.c.id == account_id)
        .values(following_count=_a.c.following_count + delta)
    )
    await conn.execute(
        _a.update().where(_a.c.id == target_id).values(followers_count=_a.c.followers_count + delta)
    )


async def _has_block_between(conn: AsyncConnection, account_id: int, target_id: int) -> bool:
    row = (
        await conn.execute(
            sa.select(_b.c.id)
            .where(
                sa.or_(
                    sa.and_(_b.c.account_id == account_id, _b.c.target_account_id == target_id),
                    sa.and_(_b.c.account_id == target_id, _b.c.target_account_id == account_id),
                )
            )
            .limit(1)
        )
    ).first()
    return row is not None


async def _remove_follow(
    services: Services, conn: AsyncConnection, account_id: int, target_id: int, outcome: _Outcome
) -> None:
    """Delete one follow edge with its counters and its timeline clean-up job."""
    if await _delete_pair(conn, _f, account_id, target_id):
        await _count_follow(conn, account_id, target_id, -1)
        await enqueue(
            conn,
            services.ids,
            TIMELINE_UNFOLLOW,
            {"account_id": account_id, "target_account_id": target_id},
        )
        outcome.changed = outcome.counters = outcome.jobs = True


async def _finish(
    services: Services, account_id: int, target_id: int, outcome: _Outcome
) -> Relationship:
    """After the commit: drop stale caches, wake the workers, answer."""
    if outcome.changed:
        await forget_relationships(services, account_id, target_id)
    if outcome.counters:
        await forget_accounts(services, account_id, target_id)
    if outcome.jobs:
        services.jobs.notify()
    state = await load_pair_state(services, account_id, target_id)
    return relationship_entity(target_id, state)


async def follow_account(
    services: Services,
    *,
    account_id: int,
    target_id: int,
    reblogs: bool | None = None,
    notify: bool | None = None,
) -> Relationship:
    """Follow ``target_id`` (or update the options of an existing follow).

    Options left as None keep their current value (defaults for a new
    follow: reblogs shown, no notifications). 403 across a block."""
    outcome = _Outcome()
    async with services.db.write() as conn:
        await _lock_pair(services, conn, account_id, target_id)
        if await _has_block_between(conn, account_id, target_id):
            raise _not_allowed()
        added = await _insert_ignore(
            services,
            conn,
            _f,
            {
                "account_id": account_id,
                "target_account_id": target_id,
                "id": services.ids.next_id(),
                "created_at": datetime.now(UTC),
                "show_reblogs": True if reblogs is None else reblogs,
                "notify": False if notify is None else notify,
            },
        )
        if added:
            await _count_follow(conn, account_id, target_id, +1)
            await enqueue(
                conn,
                services.ids,
                TIMELINE_FOLLOW,
                {"account_id": account_id, "target_account_id": target_id},
            )
            outcome.changed = outcome.counters = outcome.jobs = True
        else:
            changes: dict[str, bool] = {}
            if reblogs is not None:
                changes["show_reblogs"] = reblogs
            if notify is not None:
                changes["notify"] = notify
            if changes:
                await conn.execute(
                    _f.update()
                    .where(_f.c.account_id == account_id, _f.c.target_account_id == target_id)
                    .values(**changes)
                )
                outcome.changed = True
    return await _finish(services, account_id, target_id, outcome)


async def unfollow_account(services: Services, *, account_id: int, target_id: int) -> Relationship:
    """Stop following ``target_id``; a no-op when not following."""
    outcome = _Outcome()
    async with services.db.write() as conn:
        await _lock_pair(services, conn, account_id, target_id)
        await _remove_follow(services, conn, account_id, target_id, outcome)
    return await _finish(services, account_id, target_id, outcome)


async def block_account(services: Services, *, account_id: int, target_id: int) -> Relationship:
    """Block ``target_id``: removes the follows between the two, both ways."""
    outcome = _Outcome()
    async with services.db.write() as conn:
        await _lock_pair(services, conn, account_id, target_id)
        outcome.changed = await _insert_ignore(
            services,
            conn,
            _b,
            {
                "account_id": account_id,
                "target_account_id": target_id,
                "id": services.ids.next_id(),
                "created_at": datetime.now(UTC),
            },
        )
        await _remove_follow(services, conn, account_id, target_id, outcome)
        await _remove_follow(services, conn, target_id, account_id, outcome)
    return await _finish(services, account_id, target_id, outcome)


async def unblock_account(services: Services, *, account_id: int, target_id: int) -> Relationship:
    """Lift a block; follows removed by it are not restored (as Mastodon)."""
    outcome = _Outcome()
    async with services.db.write() as conn:
        await _lock_pair(services, conn, account_id, target_id)
        outcome.changed = await _delete_pair(conn, _b, account_id, target_id)
    return await _finish(services, account_id, target_id, outcome)


async def mute_account(
    services: Services, *, account_id: int, target_id: int, notifications: bool = True
) -> Relationship:
    """Mute ``target_id`` (and its notifications unless ``notifications`` is false).

    Mutes do not expire: Mastodon's ``duration`` is accepted and ignored."""
    outcome = _Outcome()
    async with services.db.write() as conn:
        await _lock_pair(services, conn, account_id, target_id)
        added = await _insert_ignore(
            services,
            conn,
            _m,
            {
                "account_id": account_id,
                "target_account_id": target_id,
                "id": services.ids.next_id(),
                "created_at": datetime.now(UTC),
                "hide_notifications": notifications,
            },
        )
        if added:
            # The muted account's statuses leave the home timeline like an unfollow.
            await enqueue(
                conn,
                services.ids,
                TIMELINE_UNFOLLOW,
                {"account_id": account_id, "target_account_id": target_id},
            )
            outcome.jobs = True
        else:
            await conn.execute(
                _m.update()
                .where(_m.c.account_id == account_id, _m.c.target_account_id == target_id)
                .values(hide_notifications=notifications)
            )
        outcome.changed = True
    return await _finish(services, account_id, target_id, outcome)


async def unmute_account(services: Services, *, account_id: int, target_id: int) -> Relationship:
    """Unmute; a followed account's recent statuses come back to the home timeline."""
    outcome = _Outcome()
    async with services.db.write() as conn:
        await _lock_pair(services, conn, account_id, target_id)
        outcome.changed = await _delete_pair(conn, _m, account_id, target_id)
        if outcome.changed:
            following = (
                await conn.execute(
                    sa.select(_f.c.id).where(
                        _f.c.account_id == account_id, _f.c.target_account_id == target_id
                    )
                )
            ).first()
            if following is not None:
                await enqueue(
                    conn,
                    services.ids,
                    TIMELINE_FOLLOW,
                    {"account_id": account_id, "target_account_id": target_id},
                )
                outcome.jobs = True
    return await _finish(services, account_id, target_id, outcome)
