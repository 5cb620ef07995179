"""Job wake-ups over Redis pub/sub, on one server and on a cluster."""

from __future__ import annotations

import anyio
import pytest

from roost.infra.redis_backends import RedisClient
from roost.infra.redis_wakeups import RedisWakeups

pytestmark = pytest.mark.anyio


async def test_published_signal_reaches_the_listener(
    any_redis: RedisClient, redis_prefix: str
) -> None:
    channel = redis_prefix + "jobs"
    listener, publisher = (
        RedisWakeups(any_redis, channel=channel),
        RedisWakeups(any_redis, channel=channel),
    )
    signals: list[int] = []
    subscribed, woken = anyio.Event(), anyio.Event()

    def on_signal() -> None:
        signals.append(1)
        # The first signal comes on subscribing (for anything missed before).
        (woken if len(signals) > 1 else subscribed).set()

    with anyio.fail_after(10):
        async with anyio.create_task_group() as group:
            group.start_soon(listener.listen, on_signal)
            await subscribed.wait()
            await publisher.publish()
            await woken.wait()
            group.cancel_scope.cancel()
    assert len(signals) == 2
    other = RedisWakeups(any_redis, channel=redis_prefix + "other")
    await other.publish()  # nobody listens: no error
