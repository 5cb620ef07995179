"""The steps every graph change is made of, inside the caller's transaction:
lock the pair, add or remove an edge with its counters and timeline jobs,
then (after the commit) drop the stale caches and answer.

Shared by the relationship use cases (``service``) and the follow requests
of locked accounts (``requests``), so a follow made by authorizing a request
is exactly the follow a direct one makes.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.accounts.store import forget_accounts
from roost.db import schema
from roost.jobs.queue import enqueue
from roost.kernel.errors import Forbidden, NotFound
from roost.lists.store import remove_member_from_owner_lists
from roost.notifications.outbox import forget_follow_request
from roost.relationships.entities import Relationship
from roost.relationships.store import (
    forget_relationships,
    load_pair_state,
    relationship_entity,
)

if TYPE_CHECKING:
    from roost.services import Services

_a, _f, _b, _r = schema.accounts, schema.follows, schema.blocks, schema.follow_requests

TIMELINE_FOLLOW = "timeline_follow"
TIMELINE_UNFOLLOW = "timeline_unfollow"
# The end of a mute with a duration (handled in ``expiry``).
MUTE_EXPIRED = "mute_expired"
# The outbox event of a follow request made, changed or removed (handled in
# ``requests``); ``event`` in its payload is one of these.
FOLLOW_REQUEST_CHANGED = "follow_request_changed"
REQUESTED, REQUEST_UPDATED, REQUEST_REMOVED = "requested", "updated", "removed"


@dataclasses.dataclass(slots=True)
class Outcome:
    """What a transaction changed, to act on after the commit."""

    changed: bool = False
    counters: bool = False
    jobs: bool = False


@dataclasses.dataclass(frozen=True, slots=True)
class FollowOptions:
    """The options a follow (or a pending request) carries."""

    show_reblogs: bool = True
    notify: bool = False
    # The languages asked for (None: all); kept, not yet applied to feeds.
    languages: list[str] | None = None


async def lock_accounts(
    services: Services, conn: AsyncConnection, account_ids: Iterable[int]
) -> dict[int, bool]:
    """The ``locked`` flag of each existing account among ``account_ids``
    (a deleted account's tombstone counts as gone: nothing new links to it).

    On PostgreSQL the rows are also locked, in id order, so concurrent
    changes touching the same accounts cannot interleave (a follow slipping
    in beside a block, a request created while its target unlocks) and
    cannot deadlock each other. SQLite writers are serialized anyway."""
    query = (
        sa.select(_a.c.id, _a.c.locked, _a.c.deleted_at)
        .where(_a.c.id.in_(sorted(set(account_ids))))
        .order_by(_a.c.id)
    )
    if not services.db.is_sqlite:
        query = query.with_for_update()
    return {
        int(r.id): bool(r.locked) for r in (await conn.execute(query)).all() if r.deleted_at is None
    }


async def lock_pair(
    services: Services, conn: AsyncConnection, account_id: int, target_id: int
) -> bool:
    """403 on oneself, 404 unless the target exists; locks both accounts
    (see ``lock_accounts``) and returns whether the target is locked."""
    if account_id == target_id:
        raise Forbidden()
    found = await lock_accounts(services, conn, [account_id, target_id])
    if target_id not in found or account_id not in found:
        raise NotFound()
    return found[target_id]


async def insert_ignore(
    services: Services, conn: AsyncConnection, table: sa.Table, values: dict[str, Any]
) -> bool:
    """Insert unless the primary key exists; True when a row was added."""
    dialect = sqlite if services.db.is_sqlite else postgresql
    stmt = dialect.insert(table).values(**values).on_conflict_do_nothing().returning(table.c.id)
    return (await conn.execute(stmt)).first() is not None


def _pair(table: sa.Table, account_id: int, target_id: int) -> sa.ColumnElement[bool]:
    return sa.and_(table.c.account_id == account_id, table.c.target_account_id == target_id)


async def delete_pair(
    conn: AsyncConnection, table: sa.Table, account_id: int, target_id: int
) -> bool:
    result = await conn.execute(table.delete().where(_pair(table, account_id, target_id)))
    return result.rowcount > 0


async def has_edge(conn: AsyncConnection, table: sa.Table, account_id: int, target_id: int) -> bool:
    query = sa.select(table.c.id).where(_pair(table, account_id, target_id))
    return (await conn.execute(query)).first() is not None


async def update_options(
    conn: AsyncConnection,
    table: sa.Table,
    account_id: int,
    target_id: int,
    *,
    reblogs: bool | None,
    notify: bool | None,
    languages: list[str] | None = None,
) -> bool:
    """Change the given options of a follow or request (None keeps a value;
    an empty ``languages`` list means all languages again); True when there
    was anything to write."""
    changes: dict[str, object] = {}
    if reblogs is not None:
        changes["show_reblogs"] = reblogs
    if notify is not None:
        changes["notify"] = notify
    if languages is not None:
        changes["languages"] = languages or None
    if not changes:
        return False
    await conn.execute(table.update().where(_pair(table, account_id, target_id)).values(**changes))
    return True


async def has_block_between(conn: AsyncConnection, account_id: int, target_id: int) -> bool:
    row = (
        await conn.execute(
            sa.select(_b.c.id)
            .where(sa.or_(_pair(_b, account_id, target_id), _pair(_b, target_id, account_id)))
            .limit(1)
        )
    ).first()
    return row is not None


async def _count_follow(
    services: Services, conn: AsyncConnection, account_id: int, target_id: int, delta: int
) -> None:
    """The counters of a follow added or removed, and the target's new
    followers version (``followers_changed``) in the same statement."""
    await conn.execute(
        _a.update()
        .where(_a.c.id == account_id)
        .values(following_count=_a.c.following_count + delta)
    )
    await conn.execute(
        _a.update()
        .where(_a.c.id == target_id)
        .values(
            followers_count=_a.c.followers_count + delta,
            followers_version=services.ids.next_id(),
        )
    )


async def followers_changed(services: Services, conn: AsyncConnection, target_id: int) -> None:
    """Record in the transaction that who follows ``target_id``, or how (a
    follow's show_reblogs), changed: a new unique ``followers_version``, so
    no cached follower list from before is used once this commits
    (``roost.relationships.followers``). Adding or removing a follow does it
    with the counters."""
    await conn.execute(
        _a.update().where(_a.c.id == target_id).values(followers_version=services.ids.next_id())
    )


async def take_request(
    conn: AsyncConnection, account_id: int, target_id: int
) -> FollowOptions | None:
    """Delete the pending request ``account_id`` -> ``target_id``; its
    options, or None when there was none."""
    row = (
        await conn.execute(
            _r.delete()
            .where(_pair(_r, account_id, target_id))
            .returning(_r.c.show_reblogs, _r.c.notify, _r.c.languages)
        )
    ).first()
    if row is None:
        return None
    await forget_follow_request(conn, account_id, target_id)
    return FollowOptions(
        show_reblogs=bool(row.show_reblogs), notify=bool(row.notify), languages=row.languages
    )


async def add_follow(
    services: Services,
    conn: AsyncConnection,
    account_id: int,
    target_id: int,
    options: FollowOptions,
    outcome: Outcome,
) -> bool:
    """Insert one follow edge with its counters and the job that brings the
    target's recent statuses into the follower's home timeline. The caller
    has locked the pair and checked blocks. False when it existed already."""
    added = await insert_ignore(
        services,
        conn,
        _f,
        {
            "account_id": account_id,
            "target_account_id": target_id,
            "id": services.ids.next_id(),
            "created_at": datetime.now(UTC),
            "show_reblogs": options.show_reblogs,
            "notify": options.notify,
            "languages": options.languages or None,
        },
    )
    if added:
        await _count_follow(services, conn, account_id, target_id, +1)
        await enqueue(
            conn,
            services.ids,
            TIMELINE_FOLLOW,
            {"account_id": account_id, "target_account_id": target_id},
        )
        outcome.changed = outcome.counters = outcome.jobs = True
    return added


async def remove_follow(
    services: Services, conn: AsyncConnection, account_id: int, target_id: int, outcome: Outcome
) -> None:
    """Delete one follow edge with its counters and its timeline clean-up
    job; the target leaves the follower's lists (only followed accounts are
    in lists, as on Mastodon)."""
    if await delete_pair(conn, _f, account_id, target_id):
        await _count_follow(services, conn, account_id, target_id, -1)
        payload: dict[str, Any] = {"account_id": account_id, "target_account_id": target_id}
        left = await remove_member_from_owner_lists(conn, account_id, target_id)
        if left:
            payload["list_ids"] = left
        await enqueue(conn, services.ids, TIMELINE_UNFOLLOW, payload)
        outcome.changed = outcome.counters = outcome.jobs = True


async def request_changed(
    services: Services,
    conn: AsyncConnection,
    account_id: int,
    target_id: int,
    event: str,
    outcome: Outcome,
) -> None:
    """Record in the outbox that the request ``account_id`` -> ``target_id``
    was made, changed or removed (its job drops the pair's cached
    relationship once more, and is where notifications will hook in)."""
    await enqueue(
        conn,
        services.ids,
        FOLLOW_REQUEST_CHANGED,
        {"account_id": account_id, "target_account_id": target_id, "event": event},
    )
    outcome.changed = outcome.jobs = True


async def remove_request(
    services: Services, conn: AsyncConnection, account_id: int, target_id: int, outcome: Outcome
) -> bool:
    """Withdraw (or refuse) a pending request; True when there was one."""
    removed = await delete_pair(conn, _r, account_id, target_id)
    if removed:
        await forget_follow_request(conn, account_id, target_id)
        await request_changed(services, conn, account_id, target_id, REQUEST_REMOVED, outcome)
    return removed


async def after_commit(
    services: Services, pairs: Iterable[tuple[int, int]], outcome: Outcome
) -> None:
    """Drop the caches the committed change made stale and wake the workers."""
    pairs = list(pairs)
    if outcome.changed:
        for account_id, target_id in pairs:
            await forget_relationships(services, account_id, target_id)
    if outcome.counters:
        await forget_accounts(services, *{i for pair in pairs for i in pair})
    if outcome.jobs:
        services.jobs.notify()


async def finish(
    services: Services, account_id: int, target_id: int, outcome: Outcome
) -> Relationship:
    """After the commit: drop stale caches, wake the workers, answer with the
    relationship of ``account_id`` with ``target_id``."""
    await after_commit(services, [(account_id, target_id)], outcome)
    state = await load_pair_state(services, account_id, target_id)
    return relationship_entity(target_id, state)
