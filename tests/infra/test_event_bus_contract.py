"""The event bus contract, in-process and over Redis pub/sub (one server,
and a cluster): channels added and removed, several subscribers, two buses
standing for two processes, bounded queues, reconnection."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import pytest

from roost.infra.events import EventBus, MemoryEventBus, Subscription
from roost.infra.redis_backends import RedisClient
from roost.infra.redis_events import RedisEventBus

pytestmark = pytest.mark.anyio

WAIT = 5.0


async def settle(bus: EventBus, sub: Subscription) -> None:
    """Until Redis has registered the subscription's channels."""
    if not isinstance(bus, RedisEventBus):
        return
    async with asyncio.timeout(WAIT):
        await bus.ready()
        names = [bus.prefix + c for c in sub.channels]
        while True:
            counts = {
                (k.decode() if isinstance(k, bytes) else k): n
                for k, n in await bus.client.pubsub_numsub(*names)
            }
            if all(counts.get(n) for n in names):
                return
            await asyncio.sleep(0.01)


@pytest.fixture(params=["memory", "redis", "redis-cluster"])
def bus_client(request: pytest.FixtureRequest) -> RedisClient | None:
    """None for the in-process bus, else a Redis (or Redis Cluster) client."""
    if request.param == "memory":
        return None
    name = "redis_client" if request.param == "redis" else "redis_cluster_client"
    client: RedisClient = request.getfixturevalue(name)
    return client


@pytest.fixture
async def make_bus(
    bus_client: RedisClient | None, redis_prefix: str
) -> AsyncIterator[Callable[[], EventBus]]:
    """A factory of buses that share one medium (one process, or one Redis)."""
    made: list[EventBus] = []
    shared = MemoryEventBus()

    def make() -> EventBus:
        if bus_client is None:
            return shared
        bus = RedisEventBus(bus_client, prefix=redis_prefix, retry_delay=0.05)
        made.append(bus)
        return bus

    yield make
    for bus in made:
        await bus.close()


async def test_events_reach_every_subscriber_of_their_channel(
    make_bus: Callable[[], EventBus],
) -> None:
    publisher, receiver = make_bus(), make_bus()  # two processes
    one, two, other = (receiver.subscribe(limit=10) for _ in range(3))
    await one.add(["a", "b"])
    await two.add(["a"])
    await other.add(["c"])
    for sub in (one, two, other):
        await settle(receiver, sub)
    await publisher.publish("a", b"1")
    await publisher.publish_many([("b", b"2"), ("z", b"nobody")])
    first = [await one.next(WAIT), await one.next(WAIT)]
    assert sorted((e.channel, e.data) for e in first if e) == [("a", b"1"), ("b", b"2")]
    event = await two.next(WAIT)
    assert event is not None and (event.channel, event.data) == ("a", b"1")
    assert await other.next(0.2) is None
    assert await two.next(0.2) is None


async def test_removed_channels_and_closed_subscriptions_hear_nothing(
    make_bus: Callable[[], EventBus],
) -> None:
    bus = make_bus()
    sub, witness = bus.subscribe(limit=10), bus.subscribe(limit=10)
    await sub.add(["a", "b"])
    await witness.add(["a", "b"])
    await settle(bus, witness)
    sub.remove(["a"])
    await bus.publish("a", b"gone")
    await bus.publish("b", b"kept")
    assert [await witness.next(WAIT), await witness.next(WAIT)] != [None, None]
    event = await sub.next(WAIT)
    assert event is not None and event.data == b"kept"
    sub.close()
    with pytest.raises(StopAsyncIteration):
        await sub.next(0.1)
    await bus.publish("b", b"after")
    assert (await witness.next(WAIT)) is not None


async def test_a_consumer_that_falls_behind_is_dropped(make_bus: Callable[[], EventBus]) -> None:
    bus = make_bus()
    slow = bus.subscribe(limit=2)
    dropped: list[bool] = []
    slow.on_drop = lambda: dropped.append(True)
    await slow.add(["a"])
    await settle(bus, slow)
    for i in range(3):
        await bus.publish("a", str(i).encode())
    async with asyncio.timeout(WAIT):
        while not slow.overflowed:  # noqa: ASYNC110 - set by another process's message
            await asyncio.sleep(0.01)
    assert dropped == [True] and slow.channels == set()
    with pytest.raises(StopAsyncIteration):
        await slow.next(0.1)


async def test_redis_bus_resubscribes_after_losing_its_connection(
    redis_client: RedisClient, redis_prefix: str
) -> None:
    bus = RedisEventBus(redis_client, prefix=redis_prefix, retry_delay=0.05)
    try:
        sub = bus.subscribe(limit=10)
        await sub.add(["a"])
        await settle(bus, sub)
        assert bus._pubsub is not None
        connection = bus._pubsub.connection
        assert connection is not None
        await connection.disconnect()  # as if Redis had dropped it
        async with asyncio.timeout(WAIT):
            while True:
                await bus.publish("a", b"again")
                event = await sub.next(0.1)
                if event is not None:
                    break
        assert event.data == b"again"
    finally:
        await bus.close()


async def test_redis_bus_publishes_many_only_where_someone_listens(
    redis_client: RedisClient, redis_prefix: str
) -> None:
    """A batch (a status for a page of followers) goes out only on the
    channels some process subscribes to; the listened ones still get it."""
    publisher = RedisEventBus(redis_client, prefix=redis_prefix, retry_delay=0.05)
    receiver = RedisEventBus(redis_client, prefix=redis_prefix, retry_delay=0.05)
    try:
        sub = receiver.subscribe(limit=10)
        await sub.add(["user:2", "user:5"])
        await settle(receiver, sub)
        batch = [(f"user:{i}", f"for {i}".encode()) for i in range(8)]
        await publisher.publish_many(batch)
        got = {(await sub.next(WAIT)).data, (await sub.next(WAIT)).data}  # type: ignore[union-attr]
        assert got == {b"for 2", b"for 5"}
        assert publisher.unheard == 6
        # A single event is published without asking first.
        await publisher.publish("user:7", b"nobody")
        assert publisher.unheard == 6
        assert await sub.next(0.2) is None
    finally:
        await publisher.close()
        await receiver.close()
