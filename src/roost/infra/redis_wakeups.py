"""Cross-process job wake-ups over Redis pub/sub (``<prefix>jobs``).

An app server that commits a job publishes one message; every ``roost
worker`` subscribed to the channel wakes its claim loops at once instead of
waiting for its next poll. Messages carry nothing and may be lost (pub/sub
is fire-and-forget): the job table is the truth and workers still poll.
On Redis Cluster, classic pub/sub messages reach every node, so publishing
and subscribing through any node works.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from redis.asyncio.client import PubSub

from roost.infra.redis_client import RedisClient, open_pubsub
from roost.infra.resilient import describe

log = logging.getLogger("roost.jobs")


class RedisWakeups:
    def __init__(self, client: RedisClient, *, channel: str, retry_delay: float = 1.0) -> None:
        self.client = client
        self.channel = channel
        self.retry_delay = retry_delay

    async def publish(self) -> None:
        await self.client.publish(self.channel, b"")

    async def listen(self, on_signal: Callable[[], None]) -> None:
        """Call ``on_signal`` per message until cancelled, resubscribing after
        a lost connection (and signalling then, for what was missed)."""
        lost = False
        while True:
            pubsub: PubSub | None = None
            try:
                pubsub = await open_pubsub(self.client)
                await pubsub.subscribe(self.channel)
                if lost:
                    log.warning("job wake-up channel back")
                    lost = False
                on_signal()
                while True:
                    message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=30.0)
                    if message is not None and message.get("type") == "message":
                        on_signal()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                # Once per outage, not once per retry (Redis may be down for long).
                if not lost:
                    log.warning("job wake-up channel lost, retrying: %s", describe(exc))
                lost = True
                await asyncio.sleep(self.retry_delay)
            finally:
                if pubsub is not None:
                    await pubsub.aclose()  # type: ignore[no-untyped-call,unused-ignore]
