"""The event bus over Redis pub/sub, for several app servers and workers.

``publish`` is one ``PUBLISH <prefix>ev:<channel>`` (a pipeline for many;
on a cluster, where classic pub/sub messages reach every node, concurrent
calls). Many events at once (a status fanned out to a page of followers'
``user:<id>`` channels) first ask ``PUBSUB NUMSUB`` which of their
channels some process listens to, one command for the lot, and publish
only to those: most followers have no stream open, and a publish nobody
hears costs as much as one that is heard (as Mastodon's streaming server
marks the timelines it holds and the fan-out asks before publishing). A
stream that subscribes between the two calls misses that event, as it
would had the event been published a moment before it subscribed;
every process that has a local subscriber of a channel is subscribed to it
on its single pub/sub connection, and a reader task hands each message to
the local hub. After a lost connection the reader reconnects and subscribes
to every channel again (events published meanwhile are lost, as pub/sub
always may lose them).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable

from redis.asyncio.client import PubSub
from redis.asyncio.cluster import RedisCluster

from roost.infra.events import Hub, Subscription
from roost.infra.redis_client import RedisClient, open_pubsub
from roost.infra.resilient import BackendUnavailable, Health, describe

log = logging.getLogger("roost.events")

# Publishes in flight at once on a cluster (no pipeline there).
CLUSTER_CONCURRENCY = 64
# From this many events in one call, ask which channels are listened to
# before publishing (below it, publishing outright is as cheap).
ASK_FIRST = 4


class RedisEventBus:
    def __init__(
        self,
        client: RedisClient,
        *,
        prefix: str,
        retry_delay: float = 1.0,
        health: Health | None = None,
    ) -> None:
        self.client = client
        # The Redis circuit breaker: while Redis is unreachable, publishing
        # is skipped at once (events are best effort) instead of failing.
        self.health = health
        self.prefix = prefix + "ev:"
        self.retry_delay = retry_delay
        self.hub = Hub(on_first=self._subscribe, on_last=self._unsubscribe)
        self._pubsub: PubSub | None = None
        self._reader: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()
        self._connected = asyncio.Event()
        # Events not published because nobody listened to their channel.
        self.unheard = 0

    async def publish(self, channel: str, data: bytes) -> None:
        await self.publish_many([(channel, data)])

    async def publish_many(self, events: Iterable[tuple[str, bytes]]) -> None:
        wanted = [(self.prefix + channel, data) for channel, data in events]
        if not wanted:
            return
        if self.health is None:
            await self._publish(wanted)
            return
        with contextlib.suppress(BackendUnavailable):
            await self.health.call(self._publish, wanted)

    async def _publish(self, wanted: list[tuple[str, bytes]]) -> None:
        if isinstance(self.client, RedisCluster):
            # A cluster pipeline refuses PUBLISH (it has no key to route by):
            # concurrent calls instead, a bounded number at a time.
            for start in range(0, len(wanted), CLUSTER_CONCURRENCY):
                chunk = wanted[start : start + CLUSTER_CONCURRENCY]
                await asyncio.gather(*(self.client.publish(c, d) for c, d in chunk))
            return
        if len(wanted) >= ASK_FIRST:
            heard = await self._listened([c for c, _ in wanted])
            kept = [(c, d) for c, d in wanted if c in heard]
            self.unheard += len(wanted) - len(kept)
            wanted = kept
            if not wanted:
                return
        pipe = self.client.pipeline(transaction=False)
        for channel, data in wanted:
            pipe.publish(channel, data)
        await pipe.execute()

    async def _listened(self, channels: list[str]) -> set[str]:
        """The channels among ``channels`` that some connection subscribes to."""
        names = list(dict.fromkeys(channels))
        counts = await self.client.pubsub_numsub(*names)
        # Answered in the order asked, whatever type the names come back as.
        return {name for name, (_, n) in zip(names, counts, strict=True) if int(n) > 0}

    def subscribe(self, *, limit: int) -> Subscription:
        if self._reader is None:
            self._reader = asyncio.get_running_loop().create_task(self._read_forever())
        return Subscription(self.hub, limit)

    async def _subscribe(self, channel: str) -> None:
        async with self._lock:
            if self._pubsub is not None:
                with contextlib.suppress(Exception):  # the reader resubscribes
                    await self._pubsub.subscribe(self.prefix + channel)

    async def _unsubscribe(self, channel: str) -> None:
        async with self._lock:
            if self._pubsub is not None and channel not in self.hub.by_channel:
                with contextlib.suppress(Exception):
                    await self._pubsub.unsubscribe(self.prefix + channel)

    async def _connect(self) -> PubSub:
        pubsub = await open_pubsub(self.client)
        async with self._lock:
            # A placeholder channel: the connection exists before any stream.
            await pubsub.subscribe(
                self.prefix + "-", *(self.prefix + c for c in self.hub.by_channel)
            )
            self._pubsub = pubsub
        return pubsub

    async def _read_forever(self) -> None:
        skip = len(self.prefix)
        lost = False
        while True:
            pubsub: PubSub | None = None
            try:
                pubsub = await self._connect()
                if lost:
                    log.warning("event bus connection back")
                    lost = False
                self._connected.set()
                while True:
                    message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=30.0)
                    if message is None or message.get("type") != "message":
                        continue
                    channel = message["channel"]
                    if isinstance(channel, bytes):
                        channel = channel.decode()
                    self.hub.dispatch(channel[skip:], message["data"])
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if not lost:
                    log.warning("event bus connection lost, retrying: %s", describe(exc))
                lost = True
                self._connected.clear()
                await asyncio.sleep(self.retry_delay)
            finally:
                self._pubsub = None
                if pubsub is not None:
                    with contextlib.suppress(Exception):
                        await pubsub.aclose()  # type: ignore[no-untyped-call,unused-ignore]

    async def ready(self) -> None:
        """Wait until the pub/sub connection is up (tests, benchmarks)."""
        await self._connected.wait()

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
            self._reader = None
