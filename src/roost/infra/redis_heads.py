"""The head of a timeline and the cache entries read with it, in one Redis
round trip (one server; not on Redis Cluster).

A warm timeline page reads the newest ids of the timeline, then the status
records of those ids (and, for a home timeline, the reader's feed filters)
from the cache: two round trips, each a redis-py command of some tens of
microseconds of Python besides the network. A script does both: it reads
the head of the packed timeline (``redis_timelines``: a marker byte, then
8-byte big-endian ids, newest first), writes each id in decimal (Lua numbers
are doubles, so by 16-bit limbs) to name its cache entry, and answers the
head with an ``MGET`` of those entries and the extra keys.

It reads keys it was not given in ``KEYS``, which only a single server
allows: on a cluster (and with the slow-request accounting on, which counts
calls one by one) there is no head reader and pages are read the usual way.
While the cache has invalidations waiting to be replayed after an outage
(``ResilientCache``), the reader declines, so that a read never sees an
entry whose deletion Redis has not received yet; a failed call counts
against the same breaker as every other Redis call and declines too.
"""

from __future__ import annotations

from collections.abc import Sequence

from roost.infra.metrics import CACHE_HITS, CACHE_MISSES
from roost.infra.redis_cache import RedisCache
from roost.infra.redis_client import LuaScript, RedisClient
from roost.infra.redis_timelines import ID_SIZE, RedisTimelineStore, unpack_ids
from roost.infra.resilient import BackendUnavailable, Health, ResilientCache

# KEYS[1] timeline; ARGV[1] how many ids; ARGV[2] the name prefix of an id's
# cache entry; ARGV[3..] further cache entries. False when the timeline is
# missing, else {head, values of ARGV[3..] then of each id's entry}.
_HEAD = LuaScript(
    """
local function decimal(hi, lo)
  local limbs = {math.floor(hi / 65536), hi % 65536, math.floor(lo / 65536), lo % 65536}
  local out = ''
  repeat
    local r = 0
    for j = 1, 4 do
      local cur = r * 65536 + limbs[j]
      limbs[j] = math.floor(cur / 10000)
      r = cur % 10000
    end
    if limbs[1] + limbs[2] + limbs[3] + limbs[4] > 0 then
      out = string.format('%04d', r) .. out
    else
      out = string.format('%d', r) .. out
    end
  until limbs[1] + limbs[2] + limbs[3] + limbs[4] == 0
  return out
end
local head = redis.call('GETRANGE', KEYS[1], 0, tonumber(ARGV[1]) * 8)
if head == '' then return false end
local names = {}
for i = 3, #ARGV do names[#names + 1] = ARGV[i] end
for i = 0, math.floor((#head - 1) / 8) - 1 do
  local hi, lo = struct.unpack('>I4I4', head, 2 + i * 8)
  names[#names + 1] = ARGV[2] .. decimal(hi, lo)
end
if #names == 0 then return {head, {}} end
return {head, redis.call('MGET', unpack(names))}
"""
)

Head = tuple[list[int], dict[str, bytes]]


class RedisHeadReader:
    """``read(key, limit, also, id_prefix)``: the newest ``limit`` ids of
    timeline ``key`` and the cache values of ``also`` and of
    ``id_prefix + str(id)`` for each id (those present), or None when the
    caller must read them the usual way (timeline missing, Redis failing,
    invalidations pending)."""

    def __init__(
        self,
        client: RedisClient,
        *,
        timelines: RedisTimelineStore,
        cache: RedisCache,
        guard: ResilientCache,
        health: Health,
    ) -> None:
        self.client = client
        self.timelines = timelines
        self.namespace = cache.namespace
        self.guard = guard
        self.health = health

    async def read(self, key: str, limit: int, also: Sequence[str], id_prefix: str) -> Head | None:
        if self.guard.pending_invalidations or limit <= 0:
            return None
        namespace = self.namespace
        try:
            reply = await self.health.call(
                _HEAD.run,
                self.client,
                self.timelines.redis_key(key),
                limit,
                namespace + id_prefix,
                *(namespace + k for k in also),
            )
        except BackendUnavailable:
            return None
        if not reply:
            return None
        head, values = reply
        ids = unpack_ids(head[1 : 1 + limit * ID_SIZE])
        names = [*also, *(id_prefix + str(i) for i in ids)]
        found = {k: v for k, v in zip(names, values, strict=True) if v is not None}
        CACHE_HITS.inc(len(found))
        CACHE_MISSES.inc(len(names) - len(found))
        return ids, found
