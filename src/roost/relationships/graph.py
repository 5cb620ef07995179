"""Batch queries over the follow graph for fan-out and timeline rebuilds.

Each function is one statement whatever the number of accounts it is asked
about, so a fan-out batch of N followers costs a fixed number of queries.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.db import schema

_f, _b, _m = schema.follows, schema.blocks, schema.mutes


@dataclasses.dataclass(frozen=True, slots=True)
class FollowerRow:
    follow_id: int
    account_id: int
    show_reblogs: bool


async def follower_page(
    conn: AsyncConnection, account_id: int, *, after: int, limit: int
) -> list[FollowerRow]:
    """Followers of ``account_id`` in follows.id order, after the ``after`` follow id."""
    rows = (
        await conn.execute(
            sa.select(_f.c.id, _f.c.account_id, _f.c.show_reblogs)
            .where(_f.c.target_account_id == account_id, _f.c.id > after)
            .order_by(_f.c.id)
            .limit(limit)
        )
    ).all()
    return [FollowerRow(int(r.id), int(r.account_id), bool(r.show_reblogs)) for r in rows]


async def follows_among(
    conn: AsyncConnection, account_ids: Sequence[int], target_ids: Sequence[int]
) -> set[tuple[int, int]]:
    """(follower, target) pairs that exist among the given accounts."""
    if not account_ids or not target_ids:
        return set()
    rows = (
        await conn.execute(
            sa.select(_f.c.account_id, _f.c.target_account_id).where(
                _f.c.account_id.in_(account_ids), _f.c.target_account_id.in_(target_ids)
            )
        )
    ).all()
    return {(int(a), int(t)) for a, t in rows}


async def exclusions_among(
    conn: AsyncConnection, receiver_ids: Sequence[int], involved_ids: Sequence[int]
) -> set[tuple[int, int]]:
    """(receiver, account) pairs where the receiver blocks or mutes the account or
    the account blocks the receiver: the receiver must not get its statuses."""
    if not receiver_ids or not involved_ids:
        return set()
    query = sa.union(
        sa.select(_b.c.account_id, _b.c.target_account_id).where(
            _b.c.account_id.in_(receiver_ids), _b.c.target_account_id.in_(involved_ids)
        ),
        sa.select(_m.c.account_id, _m.c.target_account_id).where(
            _m.c.account_id.in_(receiver_ids),
            _m.c.target_account_id.in_(involved_ids),
            schema.mute_in_force(),
        ),
        sa.select(_b.c.target_account_id, _b.c.account_id).where(
            _b.c.account_id.in_(involved_ids), _b.c.target_account_id.in_(receiver_ids)
        ),
    )
    return {(int(r), int(a)) for r, a in (await conn.execute(query)).all()}


async def exclusions_of(conn: AsyncConnection, involved_ids: Sequence[int]) -> set[tuple[int, int]]:
    """``exclusions_among`` for every receiver at once: (receiver, account)
    for each account that blocks or mutes one of ``involved_ids`` or is
    blocked by it. Read from the involved accounts' side (the target index
    of blocks and mutes, the primary key of blocks), so a fan-out asks with
    its author instead of with a list of its receivers; the caller keeps
    the pairs of its receivers."""
    if not involved_ids:
        return set()
    query = sa.union(
        sa.select(_b.c.account_id, _b.c.target_account_id).where(
            _b.c.target_account_id.in_(involved_ids)
        ),
        sa.select(_m.c.account_id, _m.c.target_account_id).where(
            _m.c.target_account_id.in_(involved_ids), schema.mute_in_force()
        ),
        sa.select(_b.c.target_account_id, _b.c.account_id).where(_b.c.account_id.in_(involved_ids)),
    )
    return {(int(r), int(a)) for r, a in (await conn.execute(query)).all()}


async def following_map(conn: AsyncConnection, account_id: int) -> dict[int, bool]:
    """Every account ``account_id`` follows, with its show_reblogs flag."""
    rows = (
        await conn.execute(
            sa.select(_f.c.target_account_id, _f.c.show_reblogs).where(
                _f.c.account_id == account_id
            )
        )
    ).all()
    return {int(t): bool(s) for t, s in rows}


def followed_ids_query(account_id: int) -> sa.Select[int]:
    """A subquery of the ids ``account_id`` follows (for IN clauses)."""
    return sa.select(_f.c.target_account_id).where(_f.c.account_id == account_id)
