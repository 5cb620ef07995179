"""The streaming side of fan-out: which bus channels hear of a new or
deleted status (see ``roost.streaming.events`` for the channels).

The fan-out jobs call these after writing the timelines, so a stream never
announces a status its home timeline does not hold yet. Followers' user
channels are published batch by batch with the timeline pushes; a hot
author's followers are not walked: their streams listen on the author's
channel instead.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.db import schema
from roost.statuses.records import DIRECT, PUBLIC
from roost.streaming.events import (
    CONVERSATION,
    DELETE,
    DELETES,
    UPDATE,
    author_channel,
    direct_channel,
    publish,
    tag_channel,
    user_channel,
)
from roost.streaming.events import (
    PUBLIC as PUBLIC_CHANNEL,
)
from roost.timelines.filters import StatusFacts

if TYPE_CHECKING:
    from roost.services import Services


async def tag_names(conn: AsyncConnection, status_id: int) -> list[str]:
    st, t = schema.status_tags, schema.tags
    rows = await conn.execute(
        sa.select(t.c.name).join(st, st.c.tag_id == t.c.id).where(st.c.status_id == status_id)
    )
    return [str(r[0]) for r in rows]


def broadcast_channels(status: StatusFacts, tags: Iterable[str], *, hot: bool) -> list[str]:
    """Where a new status goes besides followers' user channels: its author,
    the public and hashtag streams (public originals only), a hot author's
    channel."""
    channels = [user_channel(status.account_id)]
    if status.visibility == PUBLIC and status.reblog_of_id is None:
        channels.append(PUBLIC_CHANNEL)
        channels += [tag_channel(t) for t in tags]
    if hot and status.visibility != DIRECT:
        channels.append(author_channel(status.account_id))
    return channels


async def announce_status(services: Services, status_id: int, channels: Iterable[str]) -> None:
    await publish(services, UPDATE, status_id, channels)


async def announce_direct(
    services: Services, status: StatusFacts, receivers: Iterable[int]
) -> None:
    """A direct status: the author's and the receivers' user streams get
    the status, their direct streams the conversation it updated."""
    people = [status.account_id, *receivers]
    await publish(services, UPDATE, status.id, [user_channel(p) for p in people])
    await publish(services, CONVERSATION, status.id, [direct_channel(p) for p in people])


async def announce_deletion(services: Services, status_id: int, channels: Iterable[str]) -> None:
    await publish(services, DELETE, status_id, channels)


def deletion_channels(author_id: int, mentioned: Iterable[int]) -> list[str]:
    """Where a deletion goes before the followers: the author's and the
    mentioned accounts' user channels, the author's hot channel, and the
    channel of every public and hashtag stream."""
    return [
        user_channel(author_id),
        *(user_channel(m) for m in mentioned),
        *(direct_channel(m) for m in [author_id, *mentioned]),
        author_channel(author_id),
        DELETES,
    ]
