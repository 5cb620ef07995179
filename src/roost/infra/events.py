"""The event bus: what happened, to whoever is streaming it right now.

``publish(channel, data)`` sends a small message (bytes) to every
subscription of ``channel`` on every process; ``subscribe()`` opens one
subscription, whose channels are added and removed as a stream client asks,
and which is read as an async iterator. Delivery is at most once and
best effort: an event missed while disconnected is found by reading the
timeline or notifications again, as Mastodon clients do.

Within one process a ``Hub`` keeps channel -> subscriptions; each
subscription holds a bounded queue. A consumer that falls ``limit`` events
behind is dropped (its iterator ends, ``overflowed`` is set): memory per
connection stays bounded whatever the publishing rate. An idle
subscription is a deque, an ``asyncio.Event`` and its channel entries.

``MemoryEventBus`` (the embedded default) publishes straight into the hub;
``roost.infra.redis_events.RedisEventBus`` relays through Redis pub/sub with
one connection per process however many subscribers it holds.
"""

from __future__ import annotations

import asyncio
import collections
from collections.abc import Callable, Coroutine, Iterable
from typing import Any, NamedTuple, Protocol


class Event(NamedTuple):
    channel: str
    data: bytes


class Subscription:
    """One consumer's channels and pending events."""

    __slots__ = (
        "_hub",
        "_limit",
        "_pending",
        "_ready",
        "channels",
        "closed",
        "on_drop",
        "overflowed",
    )

    def __init__(self, hub: Hub, limit: int) -> None:
        self._hub = hub
        self._limit = limit
        self._pending: collections.deque[Event] = collections.deque()
        self._ready = asyncio.Event()
        self.channels: set[str] = set()
        self.closed = False
        self.overflowed = False
        # Called when the subscription is dropped for falling behind (the
        # connection may be stuck writing to a client that reads nothing).
        self.on_drop: Callable[[], object] | None = None

    def deliver(self, event: Event) -> None:
        if self.closed:
            return
        if len(self._pending) >= self._limit:
            self.overflowed = True
            self._hub.drop(self)
            self._ready.set()
            return
        self._pending.append(event)
        self._ready.set()

    async def add(self, channels: Iterable[str]) -> None:
        new = [c for c in channels if c not in self.channels]
        if new and not self.closed:
            self.channels.update(new)
            await self._hub.attach(self, new)

    def remove(self, channels: Iterable[str]) -> None:
        gone = [c for c in channels if c in self.channels]
        if gone:
            self.channels.difference_update(gone)
            self._hub.detach(self, gone)

    def close(self) -> None:
        """Stop at once (no await: safe in a cancelled task's clean-up)."""
        if not self.closed:
            self.closed = True
            self._ready.set()
            channels, self.channels = list(self.channels), set()
            self._hub.detach(self, channels)

    async def next(self, wait: float | None = None) -> Event | None:
        """The next event; None after ``wait`` seconds without one.
        Raises ``StopAsyncIteration`` once closed or dropped."""
        while not self._pending:
            if self.closed:
                raise StopAsyncIteration
            self._ready.clear()
            try:
                # asyncio.timeout, not wait_for: no task per wait.
                async with asyncio.timeout(wait):
                    await self._ready.wait()
            except TimeoutError:
                return None
        if self.closed:
            raise StopAsyncIteration
        return self._pending.popleft()

    def __aiter__(self) -> Subscription:
        return self

    async def __anext__(self) -> Event:
        event = await self.next()
        assert event is not None  # no timeout: waits for one
        return event


ChannelHook = Callable[[str], Coroutine[Any, Any, None]]


async def _nothing(channel: str) -> None:
    return None


class Hub:
    """The subscriptions of one process by channel. ``on_first`` and
    ``on_last`` run when a channel gains its first local subscriber or loses
    its last one (the Redis bus subscribes and unsubscribes there)."""

    def __init__(self, on_first: ChannelHook = _nothing, on_last: ChannelHook = _nothing) -> None:
        self.by_channel: dict[str, set[Subscription]] = {}
        self.on_first = on_first
        self.on_last = on_last
        self._releases: set[asyncio.Task[None]] = set()

    def dispatch(self, channel: str, data: bytes) -> int:
        """Hand an event to the channel's local subscribers; how many."""
        subs = self.by_channel.get(channel)
        if not subs:
            return 0
        event = Event(channel, data)
        for sub in list(subs):
            sub.deliver(event)
        return len(subs)

    async def attach(self, sub: Subscription, channels: list[str]) -> None:
        for channel in channels:
            subs = self.by_channel.get(channel)
            if subs is None:
                self.by_channel[channel] = {sub}
                await self.on_first(channel)
            else:
                subs.add(sub)

    def detach(self, sub: Subscription, channels: Iterable[str]) -> None:
        """Take ``sub`` off ``channels``; a channel left without local
        subscribers is released (``on_last``) in the background."""
        for channel in channels:
            subs = self.by_channel.get(channel)
            if subs is None:
                continue
            subs.discard(sub)
            if not subs:
                del self.by_channel[channel]
                if self.on_last is _nothing:
                    continue
                task = asyncio.get_running_loop().create_task(self.on_last(channel))
                self._releases.add(task)
                task.add_done_callback(self._releases.discard)

    def drop(self, sub: Subscription) -> None:
        """Take an overflowing subscription out while dispatching."""
        sub.closed = True
        channels, sub.channels = list(sub.channels), set()
        self.detach(sub, channels)
        if sub.on_drop is not None:
            sub.on_drop()


class EventBus(Protocol):
    async def publish(self, channel: str, data: bytes) -> None: ...

    async def publish_many(self, events: Iterable[tuple[str, bytes]]) -> None: ...

    def subscribe(self, *, limit: int) -> Subscription: ...

    async def close(self) -> None: ...


class MemoryEventBus:
    """The embedded bus: publisher and subscribers share the process."""

    def __init__(self) -> None:
        self.hub = Hub()

    async def publish(self, channel: str, data: bytes) -> None:
        self.hub.dispatch(channel, data)

    async def publish_many(self, events: Iterable[tuple[str, bytes]]) -> None:
        for channel, data in events:
            self.hub.dispatch(channel, data)

    def subscribe(self, *, limit: int) -> Subscription:
        return Subscription(self.hub, limit)

    async def close(self) -> None:
        return None
