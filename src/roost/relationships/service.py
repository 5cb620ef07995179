"""Relationship use cases: follow, unfollow, block, unblock, mute, unmute.

Each is one transaction that changes the graph, keeps the accounts' follow
counters exact and enqueues the timeline jobs (outbox) that bring home
timelines in line; caches are dropped only after the commit.

Following a locked account makes a follow request instead (see
``roost.relationships.requests`` for authorizing and rejecting them): no
counters, no timeline job, and no followers-only statuses until authorized.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import sqlalchemy as sa

from roost.db import schema
from roost.jobs.queue import enqueue
from roost.kernel.errors import Forbidden, ValidationFailed
from roost.notifications.outbox import FOLLOW, notify_about_event
from roost.relationships.edges import (
    MUTE_EXPIRED,
    REQUEST_UPDATED,
    REQUESTED,
    TIMELINE_FOLLOW,
    TIMELINE_UNFOLLOW,
    FollowOptions,
    Outcome,
    add_follow,
    delete_pair,
    finish,
    followers_changed,
    has_block_between,
    has_edge,
    insert_ignore,
    lock_pair,
    remove_follow,
    remove_request,
    request_changed,
    take_request,
    update_options,
)
from roost.relationships.entities import Relationship

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncConnection

    from roost.services import Services

__all__ = [
    "TIMELINE_FOLLOW",
    "TIMELINE_UNFOLLOW",
    "block_account",
    "follow_account",
    "mute_account",
    "unblock_account",
    "unfollow_account",
    "unmute_account",
]

_f, _b, _m, _r = schema.follows, schema.blocks, schema.mutes, schema.follow_requests


async def _request_follow(
    services: Services,
    conn: AsyncConnection,
    account_id: int,
    target_id: int,
    *,
    reblogs: bool | None,
    notify: bool | None,
    languages: list[str] | None,
    outcome: Outcome,
) -> None:
    """Ask a locked account to be followed, or change the pending request's
    options (asking again is idempotent)."""
    added = await insert_ignore(
        services,
        conn,
        _r,
        {
            "account_id": account_id,
            "target_account_id": target_id,
            "id": services.ids.next_id(),
            "created_at": datetime.now(UTC),
            "show_reblogs": True if reblogs is None else reblogs,
            "notify": False if notify is None else notify,
            "languages": languages,
        },
    )
    if added:
        # The target's ``follow_request`` notification comes from this
        # event (see ``requests.follow_request_changed``).
        await request_changed(services, conn, account_id, target_id, REQUESTED, outcome)
    elif await update_options(
        conn, _r, account_id, target_id, reblogs=reblogs, notify=notify, languages=languages
    ):
        await request_changed(services, conn, account_id, target_id, REQUEST_UPDATED, outcome)


async def follow_account(
    services: Services,
    *,
    account_id: int,
    target_id: int,
    reblogs: bool | None = None,
    notify: bool | None = None,
    languages: list[str] | None = None,
) -> Relationship:
    """Follow ``target_id`` (or update the options of an existing follow);
    a locked target gets a follow request instead (``requested``).

    Options left as None keep their current value (defaults for a new
    follow: reblogs shown, no notifications). 403 across a block."""
    outcome = Outcome()
    async with services.db.write() as conn:
        target_locked = await lock_pair(services, conn, account_id, target_id)
        if await has_block_between(conn, account_id, target_id):
            raise Forbidden()
        if await has_edge(conn, _f, account_id, target_id):
            # Already a follower (possibly from before the target locked).
            if await update_options(
                conn,
                _f,
                account_id,
                target_id,
                reblogs=reblogs,
                notify=notify,
                languages=languages,
            ):
                outcome.changed = True
                if reblogs is not None:  # the fan-out reads it with the follow
                    await followers_changed(services, conn, target_id)
        elif target_locked:
            await _request_follow(
                services,
                conn,
                account_id,
                target_id,
                reblogs=reblogs,
                notify=notify,
                languages=languages,
                outcome=outcome,
            )
        else:
            # A request left from when the target was locked (its unlock
            # job has not run yet) becomes this follow, keeping its options.
            pending = await take_request(conn, account_id, target_id) or FollowOptions()
            options = FollowOptions(
                show_reblogs=pending.show_reblogs if reblogs is None else reblogs,
                notify=pending.notify if notify is None else notify,
                languages=pending.languages if languages is None else languages,
            )
            if await add_follow(services, conn, account_id, target_id, options, outcome):
                await notify_about_event(
                    conn, services, type=FOLLOW, account_id=target_id, from_account_id=account_id
                )
    return await finish(services, account_id, target_id, outcome)


async def unfollow_account(services: Services, *, account_id: int, target_id: int) -> Relationship:
    """Stop following ``target_id``, or withdraw a pending follow request;
    a no-op when neither."""
    outcome = Outcome()
    async with services.db.write() as conn:
        await lock_pair(services, conn, account_id, target_id)
        await remove_follow(services, conn, account_id, target_id, outcome)
        await remove_request(services, conn, account_id, target_id, outcome)
    return await finish(services, account_id, target_id, outcome)


async def block_account(services: Services, *, account_id: int, target_id: int) -> Relationship:
    """Block ``target_id``: removes the follows and the pending follow
    requests between the two, both ways."""
    outcome = Outcome()
    async with services.db.write() as conn:
        await lock_pair(services, conn, account_id, target_id)
        outcome.changed = await insert_ignore(
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
        await remove_follow(services, conn, account_id, target_id, outcome)
        await remove_follow(services, conn, target_id, account_id, outcome)
        await remove_request(services, conn, account_id, target_id, outcome)
        await remove_request(services, conn, target_id, account_id, outcome)
    return await finish(services, account_id, target_id, outcome)


async def unblock_account(services: Services, *, account_id: int, target_id: int) -> Relationship:
    """Lift a block; follows removed by it are not restored (as Mastodon)."""
    outcome = Outcome()
    async with services.db.write() as conn:
        await lock_pair(services, conn, account_id, target_id)
        outcome.changed = await delete_pair(conn, _b, account_id, target_id)
    return await finish(services, account_id, target_id, outcome)


async def mute_account(
    services: Services,
    *,
    account_id: int,
    target_id: int,
    notifications: bool = True,
    duration: int | None = None,
) -> Relationship:
    """Mute ``target_id`` (and its notifications unless ``notifications`` is false).

    ``duration`` (seconds; 0 or None: until unmuted) ends the mute then:
    reads stop counting it at that time and the ``mute_expired`` job
    deletes it, bringing the account's statuses back as an unmute does."""
    if duration is not None and duration < 0:
        raise ValidationFailed("duration must not be negative")
    now = datetime.now(UTC)
    expires_at = now + timedelta(seconds=duration) if duration else None
    outcome = Outcome()
    async with services.db.write() as conn:
        await lock_pair(services, conn, account_id, target_id)
        # A mute that ended but whose job has not run yet is replaced.
        await conn.execute(
            _m.delete().where(
                _m.c.account_id == account_id,
                _m.c.target_account_id == target_id,
                sa.not_(schema.mute_in_force()),
            )
        )
        added = await insert_ignore(
            services,
            conn,
            _m,
            {
                "account_id": account_id,
                "target_account_id": target_id,
                "id": services.ids.next_id(),
                "created_at": now,
                "hide_notifications": notifications,
                "expires_at": expires_at,
            },
        )
        if expires_at is not None:
            await enqueue(
                conn,
                services.ids,
                MUTE_EXPIRED,
                {"account_id": account_id, "target_account_id": target_id},
                run_after=expires_at,
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
                .values(hide_notifications=notifications, expires_at=expires_at)
            )
        outcome.changed = True
    return await finish(services, account_id, target_id, outcome)


async def unmute_account(services: Services, *, account_id: int, target_id: int) -> Relationship:
    """Unmute; a followed account's recent statuses come back to the home timeline."""
    outcome = Outcome()
    async with services.db.write() as conn:
        await lock_pair(services, conn, account_id, target_id)
        outcome.changed = await delete_pair(conn, _m, account_id, target_id)
        if outcome.changed and await has_edge(conn, _f, account_id, target_id):
            await enqueue(
                conn,
                services.ids,
                TIMELINE_FOLLOW,
                {"account_id": account_id, "target_account_id": target_id},
            )
            outcome.jobs = True
    return await finish(services, account_id, target_id, outcome)
