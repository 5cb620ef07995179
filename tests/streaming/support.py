"""Open stream sessions inside the app under test and read their events."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from roost.infra.redis_events import RedisEventBus
from roost.kernel.auth import hash_token
from roost.streaming.session import Outgoing, StreamSession
from roost.streaming.streams import parse_stream
from tests.helpers import ApiClient, User

# Long enough for a loaded CI machine, short enough to keep a failing test fast.
EVENT_WAIT = 5.0
# How long to wait for an event that must NOT come (after the ones that must).
QUIET_WAIT = 0.3


async def settle(session: StreamSession) -> None:
    """With Redis, wait until Redis has registered every channel of the
    session (a message published before that would be lost)."""
    bus = session.services.events
    if not isinstance(bus, RedisEventBus):
        return
    await asyncio.wait_for(bus.ready(), EVENT_WAIT)
    channels = [bus.prefix + c for chans in session.streams.values() for c in chans]
    async with asyncio.timeout(EVENT_WAIT):
        while True:
            counts = dict(await bus.client.pubsub_numsub(*channels))
            if all(counts.get(c.encode(), counts.get(c, 0)) for c in channels):
                return
            await asyncio.sleep(0.01)


def open_session(
    client: ApiClient,
    user: User | None,
    name: str,
    tag: str | None = None,
    list_id: str | None = None,
) -> StreamSession:
    async def start() -> StreamSession:
        token_hash = hash_token(user.token) if user else None
        session = StreamSession(client.services, user.id if user else None, token_hash)
        await session.add(parse_stream(name, tag, list_id))
        await settle(session)
        return session

    return client.call(start)


def next_event(
    client: ApiClient, session: StreamSession, wait: float = EVENT_WAIT
) -> Outgoing | None:
    async def read() -> Outgoing | None:
        return await session.next(wait)

    return client.call(read)


def events(client: ApiClient, session: StreamSession) -> list[tuple[str, Any]]:
    """Every event already sent or sent within QUIET_WAIT, decoded."""
    found: list[tuple[str, Any]] = []
    while (out := next_event(client, session, QUIET_WAIT)) is not None:
        found.append((out.event, out.payload if out.event == "delete" else json.loads(out.payload)))
    return found
