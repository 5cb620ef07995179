"""Followers of a status's hashtags, in batches, for the fan-out (and for
taking a deleted status back out of their timelines)."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.db import schema

_tf, _st = schema.tag_follows, schema.status_tags


def status_tag_ids(status_id: int) -> sa.Select[int]:
    """The tags of a status, as a subquery."""
    return sa.select(_st.c.tag_id).where(_st.c.status_id == status_id)


async def tag_follower_page(
    conn: AsyncConnection,
    tag_ids: sa.Select[int] | Sequence[int],
    *,
    after: int,
    limit: int,
) -> list[tuple[int, int]]:
    """(tag_follows.id, follower) of these tags past ``after``, by id: an
    account following two of them appears twice (pushing and removing are
    idempotent)."""
    if isinstance(tag_ids, Sequence) and not tag_ids:
        return []
    rows = await conn.execute(
        sa.select(_tf.c.id, _tf.c.account_id)
        .where(_tf.c.tag_id.in_(tag_ids), _tf.c.id > after)
        .order_by(_tf.c.id)
        .limit(limit)
    )
    return [(int(r.id), int(r.account_id)) for r in rows]


async def tag_followers(
    conn: AsyncConnection, tag_ids: Sequence[int], *, limit: int
) -> list[tuple[int, int]] | None:
    """(tag, follower) of every follow of these tags, or None when there
    are more than ``limit`` (a batch of fan-outs leaves those to the paged
    ``tag_follower_page``)."""
    if not tag_ids:
        return []
    rows = (
        await conn.execute(
            sa.select(_tf.c.tag_id, _tf.c.account_id)
            .where(_tf.c.tag_id.in_(tag_ids))
            .limit(limit + 1)
        )
    ).all()
    if len(rows) > limit:
        return None
    return [(int(t), int(a)) for t, a in rows]
