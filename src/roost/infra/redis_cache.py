"""The Cache protocol on Redis (or Redis Cluster).

Key scheme: ``<prefix>c:<key>``, e.g. ``roost:c:account:42``. The prefix
(``ROOST_REDIS_KEY_PREFIX``, default ``roost:``) lets several Roost
deployments or test runs share one Redis, and lets ``clear`` delete only
Roost's cache keys. Cache keys carry no hash tag on purpose: entries spread
over every slot of a cluster, and ``get_many`` splits its MGET by slot.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from roost.infra.cache import spread_ttl
from roost.infra.redis_client import LuaScript, RedisClient, delete_prefixed, get_many

# INCRBY and EXPIRE as one atomic step: a counter never outlives its TTL
# because a process died between the two commands.
_INCR = LuaScript(
    """
local value = redis.call('INCRBY', KEYS[1], ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[2])
return value
"""
)

# The throttle step of roost.infra.cache.gcra_step, atomic: read the TAT,
# decide, store the new TAT with an expiry at that time (a spent key vanishes).
_THROTTLE = LuaScript(
    """
local now = tonumber(ARGV[1])
local interval = tonumber(ARGV[2])
local capacity = tonumber(ARGV[3])
local cost = tonumber(ARGV[4])
local tat = tonumber(redis.call('GET', KEYS[1]))
if tat == nil or tat < now then tat = now end
local new = tat + cost * interval
if new - capacity > now then return {0, tat} end
if cost > 0 then redis.call('SET', KEYS[1], new, 'PX', math.max(new - now, 1)) end
return {1, new}
"""
)

# Cache.replace: store the new value only over the expected one (or
# itself), else drop the key (atomic: no other writer's SET or DEL can fall
# in between).
_REPLACE = LuaScript(
    """
local held = redis.call('GET', KEYS[1])
if held == ARGV[1] or held == ARGV[2] then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
  return 1
end
redis.call('DEL', KEYS[1])
return 0
"""
)


def check_prefix(prefix: str) -> str:
    # A brace in the prefix would become the hash tag of every key.
    if "{" in prefix or "}" in prefix:
        raise ValueError(f"Redis key prefix must not contain braces: {prefix!r}")
    return prefix


class RedisCache:
    """Hot entities as Redis strings with a TTL; counters as Redis integers."""

    def __init__(self, client: RedisClient, *, prefix: str = "roost:") -> None:
        self.client = client
        self.namespace = check_prefix(prefix) + "c:"

    def _key(self, key: str) -> str:
        return self.namespace + key

    async def get_many(self, keys: Iterable[str]) -> dict[str, bytes]:
        wanted = list(dict.fromkeys(keys))
        values = await get_many(self.client, [self._key(k) for k in wanted])
        return {k: v for k, v in zip(wanted, values, strict=True) if v is not None}

    async def set_many(self, items: Mapping[str, bytes], *, ttl: int) -> None:
        if not items:
            return
        if ttl <= 0:
            # Expired on arrival, as in MemoryCache; Redis rejects EX 0.
            await self.delete(*items)
            return
        pipe = self.client.pipeline(transaction=False)
        for key, value in items.items():
            pipe.set(self._key(key), value, px=max(1, int(spread_ttl(ttl) * 1000)))
        await pipe.execute()

    async def set_each(self, items: Mapping[str, tuple[bytes, int]]) -> None:
        if not items:
            return
        pipe = self.client.pipeline(transaction=False)
        for key, (value, ttl) in items.items():
            if ttl <= 0:
                pipe.delete(self._key(key))
            else:
                pipe.set(self._key(key), value, px=max(1, int(spread_ttl(ttl) * 1000)))
        await pipe.execute()

    async def replace(self, key: str, expected: bytes, value: bytes, *, ttl: int) -> bool:
        px = max(1, int(spread_ttl(ttl) * 1000)) if ttl > 0 else 0
        if px == 0:
            await self.delete(key)
            return False
        return bool(await _REPLACE.run(self.client, self._key(key), expected, value, px))

    async def delete(self, *keys: str) -> None:
        if keys:
            await self.client.delete(*(self._key(k) for k in keys))

    async def incr(self, key: str, amount: int = 1, *, ttl: int) -> int:
        value = await _INCR.run(self.client, self._key(key), amount, max(ttl, 1))
        return int(value)

    async def throttle(
        self, key: str, *, now_ms: int, interval_ms: int, capacity_ms: int, cost: int = 1
    ) -> tuple[bool, int]:
        passed, tat = await _THROTTLE.run(
            self.client, self._key(key), now_ms, interval_ms, capacity_ms, cost
        )
        return bool(passed), int(tat)

    async def clear(self) -> None:
        """Delete this deployment's cache keys only (never FLUSHDB)."""
        await delete_prefixed(self.client, self.namespace)
