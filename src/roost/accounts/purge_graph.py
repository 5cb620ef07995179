"""Steps of ``purge_account`` for a deleted account's relations, both ways:
follows, follow requests, blocks, mutes and endorsements.

Each chunk is one transaction made of the relationship domain's own steps
(``roost.relationships.edges``): the pairs' accounts are locked as every
graph change locks them, a follow is removed by ``remove_follow`` (both
accounts' counters, the follower's lists, the ``timeline_unfollow`` job)
and a request by ``remove_request``; after the commit ``after_commit``
drops the pairs' cached relations and gives both readers of each pair a
new relation-summary generation, as any unfollow or unblock does.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.db import schema
from roost.notifications.outbox import forget_follow
from roost.relationships.edges import (
    Outcome,
    after_commit,
    delete_pair,
    lock_accounts,
    remove_follow,
    remove_request,
)

if TYPE_CHECKING:
    from roost.services import Services

# Removes the edge account -> target inside the transaction, noting what
# changed in the outcome.
Removal = Callable[["Services", AsyncConnection, int, int, Outcome], Awaitable[None]]


async def _unfollow(
    services: Services, conn: AsyncConnection, account_id: int, target_id: int, outcome: Outcome
) -> None:
    await remove_follow(services, conn, account_id, target_id, outcome)
    # The target's "followed you" goes too: its author no longer exists.
    await forget_follow(conn, account_id, target_id)


async def _withdraw(
    services: Services, conn: AsyncConnection, account_id: int, target_id: int, outcome: Outcome
) -> None:
    await remove_request(services, conn, account_id, target_id, outcome)


def _unlink(table: sa.Table) -> Removal:
    async def remove(
        services: Services,
        conn: AsyncConnection,
        account_id: int,
        target_id: int,
        outcome: Outcome,
    ) -> None:
        if await delete_pair(conn, table, account_id, target_id):
            outcome.changed = True

    return remove


async def _step(
    services: Services,
    account_id: int,
    limit: int,
    table: sa.Table,
    removal: Removal,
    *,
    outgoing: bool,
) -> bool:
    mine, other = (
        (table.c.account_id, table.c.target_account_id)
        if outgoing
        else (table.c.target_account_id, table.c.account_id)
    )
    outcome = Outcome()
    async with services.db.write() as conn:
        rows = await conn.execute(
            sa.select(other).where(mine == account_id).order_by(other).limit(limit)
        )
        others = [int(r[0]) for r in rows]
        if not others:
            return False
        await lock_accounts(services, conn, [account_id, *others])
        pairs = [(account_id, o) if outgoing else (o, account_id) for o in others]
        for source, target in pairs:
            await removal(services, conn, source, target, outcome)
    await after_commit(services, pairs, outcome)
    return True


def _both_ways(table: sa.Table, removal: Removal) -> list[Callable[..., Awaitable[bool]]]:
    async def outgoing(services: Services, account_id: int, limit: int) -> bool:
        return await _step(services, account_id, limit, table, removal, outgoing=True)

    async def incoming(services: Services, account_id: int, limit: int) -> bool:
        return await _step(services, account_id, limit, table, removal, outgoing=False)

    return [outgoing, incoming]


following, followers = _both_ways(schema.follows, _unfollow)
requested, requested_by = _both_ways(schema.follow_requests, _withdraw)
blocking, blocked_by = _both_ways(schema.blocks, _unlink(schema.blocks))
muting, muted_by = _both_ways(schema.mutes, _unlink(schema.mutes))
endorsing, endorsed_by = _both_ways(schema.endorsements, _unlink(schema.endorsements))
