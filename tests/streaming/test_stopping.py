"""A process that stops serving ends its open streams (roost.lifecycle's
stop hooks), and the connection gauge follows streams as they open and end."""

from __future__ import annotations

import asyncio

import pytest
from prometheus_client import REGISTRY

from roost import lifecycle
from tests.helpers import ApiClient
from tests.streaming.support import open_session

pytestmark = pytest.mark.parametrize("backend", ["sqlite"])


def _open_streams() -> float:
    value = REGISTRY.get_sample_value("roost_streaming_connections")
    assert value is not None
    return value


def test_stop_hooks_end_open_streams_and_the_gauge_follows(client: ApiClient) -> None:
    before = _open_streams()
    first = open_session(client, None, "public")
    second = open_session(client, None, "public:local")
    assert _open_streams() == before + 2

    lifecycle.run_stop_hooks()

    async def ended() -> bool:
        try:
            await asyncio.wait_for(first.next(5), 5)
        except StopAsyncIteration:
            return True
        return False

    assert client.call(ended)
    assert _open_streams() == before
    second.close()  # closing again changes nothing
    assert _open_streams() == before
