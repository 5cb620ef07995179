"""Followers of a status's hashtags, in batches, for the fan-out."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.db import schema

_tf, _st = schema.tag_follows, schema.status_tags


async def tag_follower_page(
    conn: AsyncConnection, status_id: int, *, after: int, limit: int
) -> list[tuple[int, int]]:
    """(tag_follows.id, follower) of the status's tags past ``after``, by id:
    an account following two of its tags appears twice (pushing is
    idempotent)."""
    tags = sa.select(_st.c.tag_id).where(_st.c.status_id == status_id)
    rows = await conn.execute(
        sa.select(_tf.c.id, _tf.c.account_id)
        .where(_tf.c.tag_id.in_(tags), _tf.c.id > after)
        .order_by(_tf.c.id)
        .limit(limit)
    )
    return [(int(r.id), int(r.account_id)) for r in rows]
