"""The scale-out backends on Redis, as ``services.py`` imports them.

``redis_client`` connects (single server or cluster) and runs scripts,
``redis_cache`` holds hot entities, ``redis_timelines`` the home timelines,
``redis_heads`` reads a timeline's head with its cache entries.
"""

from __future__ import annotations

from redis.asyncio import RedisCluster

from roost.infra.redis_cache import RedisCache
from roost.infra.redis_client import (
    RedisClient,
    close_redis,
    connect_redis,
    drop_idle_connections,
    ping,
    pool_exhausted,
)
from roost.infra.redis_heads import RedisHeadReader
from roost.infra.redis_timelines import RedisTimelineStore

__all__ = [
    "RedisCache",
    "RedisClient",
    "RedisCluster",
    "RedisHeadReader",
    "RedisTimelineStore",
    "close_redis",
    "connect_redis",
    "drop_idle_connections",
    "ping",
    "pool_exhausted",
]
