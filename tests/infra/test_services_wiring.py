"""build_services picks the Redis backends from ROOST_REDIS_URL."""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest

from roost.config import Settings
from roost.infra.cache import MemoryCache
from roost.infra.redis_backends import RedisCache, RedisClient, RedisTimelineStore
from roost.infra.resilient import ResilientCache, ResilientTimelineStore
from roost.kernel.paging import Page
from roost.services import build_services
from tests.conftest import REDIS_URL

pytestmark = pytest.mark.anyio


async def test_redis_url_selects_redis_backends(
    redis_client: RedisClient, redis_prefix: str, tmp_path: Path
) -> None:
    settings = Settings(
        data_dir=tmp_path,
        redis_url=REDIS_URL,
        redis_key_prefix=redis_prefix,
        home_timeline_length=3,
    )
    services = build_services(settings)
    try:
        # Behind the degraded-mode wrappers (roost.infra.resilient).
        assert isinstance(services.cache, ResilientCache)
        assert isinstance(services.timelines, ResilientTimelineStore)
        redis_cache, redis_timelines = services.cache.inner, services.timelines.inner
        assert isinstance(redis_cache, RedisCache)
        assert isinstance(redis_timelines, RedisTimelineStore)
        assert services.cache.health is services.timelines.health
        await services.cache.set_many({"k": b"v"}, ttl=60)
        await services.timelines.merge("home:1", [1, 2, 3, 4])
        assert await redis_client.get(f"{redis_prefix}c:k") == b"v"
        assert await services.timelines.range("home:1", Page()) == [4, 3, 2]
        connection_id = await redis_cache.client.client_id()
    finally:
        await services.close()
    # close() hangs up: the server soon forgets the connection.
    for _ in range(50):
        ids = {int(c["id"]) for c in await redis_client.client_list()}
        if connection_id not in ids:
            break
        await anyio.sleep(0.02)
    assert connection_id not in ids


async def test_no_redis_url_keeps_everything_in_process(tmp_path: Path) -> None:
    services = build_services(Settings(data_dir=tmp_path))
    try:
        assert isinstance(services.cache, MemoryCache)
        assert services.closers == []
    finally:
        await services.close()
