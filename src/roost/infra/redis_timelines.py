"""The TimelineStore protocol on Redis: one compact string per timeline.

Key scheme: ``<prefix>tl:{<key>}``, e.g. ``roost:tl:{home:42}``. The braces
are a hash tag, so on Redis Cluster the slot depends on the timeline's own
name only (the same whatever the prefix), and any companion key added later
(``roost:tlx:{home:42}``) lands in the same slot as the timeline.

Value: one marker byte ``\\x01`` followed by the status ids as 8-byte
big-endian unsigned integers, newest first, without duplicates, at most
``capacity`` of them. The marker makes an empty timeline a present key, so a
missing key ("rebuild me") and an empty timeline ("nobody posted") differ.

Why a packed string. ``MEMORY USAGE`` (Redis 7.0, 64-bit, jemalloc) of one
timeline of 800 snowflake ids, key included
(``tests/infra/test_timeline_memory.py`` measures it on every run):

* sorted set (skiplist encoding past 128 members): about 96,500 bytes;
* list of the ids (listpack integer entries): about 8,350 bytes, but LPUSH
  puts an out-of-order id at the head and nothing removes duplicates;
* this packed string: 7,256 bytes (6,401 bytes of value in jemalloc's
  7,168-byte size class, plus key and object headers), under the 10 KB
  target whether built by ``merge`` or by 1,000 ``push`` calls.

Edits are small Lua scripts, each atomic on its one key. Lua numbers are
doubles, too small for 64-bit ids, so the scripts unpack each id as two
32-bit halves and compare the pairs (and never compare the byte strings with
``<``, which Redis' Lua does with the locale's collation). Ids sent to a
script are packed the same way by Python.

* ``range``: without ``max_id`` and without ``min_id`` paging the page is a
  prefix of the value, read by one ``GETRANGE`` (no script; filtered by
  ``since_id`` in Python); otherwise a script binary-searches both bounds and
  returns the slice.
* ``push``: a script per key, all in one pipeline (one round trip per node);
  it binary-searches the position, skips a duplicate or a key that does not
  exist, inserts and trims to ``capacity``. Out-of-order ids land in place.
* ``merge``: a script merging the stored ids with the given ones (both
  newest first) and trimming; it creates the key.
* ``remove``: a script binary-searching each id and cutting it out.

Timeline keys have no TTL: run Redis with ``maxmemory`` and an LRU policy
(``allkeys-lru``) so idle timelines are evicted; they are rebuilt from the
database on the next read. The scripts keep a TTL if an operator set one.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Sequence
from typing import cast

from redis.asyncio.cluster import RedisCluster

from roost.infra.redis_cache import check_prefix
from roost.infra.redis_client import LuaScript, RedisClient, delete_prefixed
from roost.kernel.paging import Page

MARKER = b"\x01"
ID_SIZE = 8
_MAX_ID = 2**64 - 1

# Shared by every script: the id at a 0-based index as (high, low) 32-bit
# halves, and a binary search over the newest-first ids.
_PRELUDE = """
local function id_at(v, i)
  local hi, lo = struct.unpack('>I4I4', v, 2 + i * 8)
  return hi, lo
end
-- First index whose id is below (h, l), or equal to it too when
-- inclusive: the ids before it are the ones above the bound.
local function first_below(v, n, h, l, inclusive)
  local lo, hi = 0, n
  while lo < hi do
    local mid = math.floor((lo + hi) / 2)
    local mh, ml = id_at(v, mid)
    if mh < h or (mh == h and (ml < l or (inclusive and ml == l))) then
      hi = mid
    else
      lo = mid + 1
    end
  end
  return lo
end
"""

# KEYS[1] timeline; ARGV: packed max_id or '', packed lower bound or '',
# limit, '1' for a page taken from the bottom (min_id). Nil when missing.
_RANGE = LuaScript(
    _PRELUDE
    + """
local v = redis.call('GET', KEYS[1])
if not v then return false end
local n = math.floor((#v - 1) / 8)
local s, e = 0, n
if ARGV[1] ~= '' then
  local h, l = struct.unpack('>I4I4', ARGV[1])
  s = first_below(v, n, h, l, false)
end
if ARGV[2] ~= '' then
  local h, l = struct.unpack('>I4I4', ARGV[2])
  e = first_below(v, n, h, l, true)
end
if e <= s then return '' end
local limit = tonumber(ARGV[3])
if ARGV[4] == '1' then s = math.max(s, e - limit) else e = math.min(e, s + limit) end
return string.sub(v, 2 + s * 8, 1 + e * 8)
"""
)

# KEYS[1] timeline; ARGV: packed id, capacity. 1 when inserted.
_PUSH = LuaScript(
    _PRELUDE
    + """
local v = redis.call('GET', KEYS[1])
if not v then return 0 end
local n = math.floor((#v - 1) / 8)
local cap = tonumber(ARGV[2])
local h, l = struct.unpack('>I4I4', ARGV[1])
local p = first_below(v, n, h, l, true)
if p < n then
  local ph, pl = id_at(v, p)
  if ph == h and pl == l then return 0 end
end
-- Older than everything a full timeline keeps.
if p >= cap then return 0 end
local keep = math.min(n, cap - 1)
redis.call('SET', KEYS[1],
  string.sub(v, 1, 1 + p * 8) .. ARGV[1] .. string.sub(v, 2 + p * 8, 1 + keep * 8), 'KEEPTTL')
return 1
"""
)

# Insert the packed ``id`` into the existing timeline at ``key`` in id
# order (capped at ``cap``, keeping its TTL); 1 when inserted, 0 when the
# timeline is missing, already holds it, or it falls past the cap.
_INSERT = """
local function insert_id(key, id, cap)
  local v = redis.call('GET', key)
  if not v then return 0 end
  local h, l = struct.unpack('>I4I4', id)
  local n = math.floor((#v - 1) / 8)
  local p = first_below(v, n, h, l, true)
  if p >= cap then return 0 end
  if p < n then
    local ph, pl = id_at(v, p)
    if ph == h and pl == l then return 0 end
  end
  local keep = math.min(n, cap - 1)
  redis.call('SET', key,
    string.sub(v, 1, 1 + p * 8) .. id .. string.sub(v, 2 + p * 8, 1 + keep * 8),
    'KEEPTTL')
  return 1
end
"""


# Every KEYS[i] a timeline (all in one hash slot, or a single server);
# ARGV as _PUSH. The number of timelines it was inserted into. A fan-out
# page is then one command instead of one per follower.
_PUSH_MANY = LuaScript(
    _PRELUDE
    + _INSERT
    + """
local cap = tonumber(ARGV[2])
local done = 0
for _, key in ipairs(KEYS) do
  done = done + insert_id(key, ARGV[1], cap)
end
return done
"""
)

# KEYS[i] a timeline (all in one hash slot, or a single server), ARGV[1]
# the capacity, ARGV[i + 1] the packed id to add to KEYS[i]: a batch of
# fan-outs (several statuses, each to its timelines) in one command. The
# number of insertions made.
_PUSH_PAIRS = LuaScript(
    _PRELUDE
    + _INSERT
    + """
local cap = tonumber(ARGV[1])
local done = 0
for i, key in ipairs(KEYS) do
  done = done + insert_id(key, ARGV[i + 1], cap)
end
return done
"""
)

# KEYS[1] timeline; ARGV: packed ids newest first without duplicates,
# capacity, '1' to create the timeline when missing (else 0 is returned).
_MERGE = LuaScript(
    """
local v = redis.call('GET', KEYS[1])
if not v then
  if ARGV[3] ~= '1' then return 0 end
  v = '\\1'
end
local add = ARGV[1]
local cap = tonumber(ARGV[2])
local n, m = math.floor((#v - 1) / 8), math.floor(#add / 8)
local out = {string.sub(v, 1, 1)}
local i, j, k = 0, 0, 0
while k < cap and i < n and j < m do
  local ah, al = struct.unpack('>I4I4', v, 2 + i * 8)
  local bh, bl = struct.unpack('>I4I4', add, 1 + j * 8)
  if ah == bh and al == bl then
    out[#out + 1] = string.sub(v, 2 + i * 8, 9 + i * 8)
    i, j = i + 1, j + 1
  elseif ah > bh or (ah == bh and al > bl) then
    out[#out + 1] = string.sub(v, 2 + i * 8, 9 + i * 8)
    i = i + 1
  else
    out[#out + 1] = string.sub(add, 1 + j * 8, 8 + j * 8)
    j = j + 1
  end
  k = k + 1
end
-- One side is used up (or the cap reached): the rest of the other follows.
if k < cap and i < n then
  out[#out + 1] = string.sub(v, 2 + i * 8, 1 + math.min(n, i + cap - k) * 8)
elseif k < cap and j < m then
  out[#out + 1] = string.sub(add, 1 + j * 8, math.min(m, j + cap - k) * 8)
end
redis.call('SET', KEYS[1], table.concat(out), 'KEEPTTL')
return 1
"""
)

# KEYS[1] timeline; ARGV: packed ids to remove. Returns how many went.
_REMOVE = LuaScript(
    _PRELUDE
    + """
local v = redis.call('GET', KEYS[1])
if not v then return 0 end
local n = math.floor((#v - 1) / 8)
local hits = {}
for j = 1, #ARGV[1], 8 do
  local h, l = struct.unpack('>I4I4', ARGV[1], j)
  local p = first_below(v, n, h, l, true)
  if p < n then
    local ph, pl = id_at(v, p)
    if ph == h and pl == l then hits[#hits + 1] = p end
  end
end
if #hits == 0 then return 0 end
table.sort(hits)
local out, from, removed = {string.sub(v, 1, 1)}, 0, 0
for _, p in ipairs(hits) do
  if p >= from then
    out[#out + 1] = string.sub(v, 2 + from * 8, 1 + p * 8)
    from = p + 1
    removed = removed + 1
  end
end
out[#out + 1] = string.sub(v, 2 + from * 8)
redis.call('SET', KEYS[1], table.concat(out), 'KEEPTTL')
return removed
"""
)

SCRIPTS = (_RANGE, _PUSH, _MERGE, _REMOVE)


def pack_ids(ids: Iterable[int]) -> bytes:
    """Ids as 8-byte big-endian integers, in the given order."""
    return b"".join(struct.pack(">Q", i) for i in ids)


def unpack_ids(data: bytes) -> list[int]:
    count = len(data) // ID_SIZE
    return list(struct.unpack(f">{count}Q", data[: count * ID_SIZE]))


def _bound(value: int | None) -> bytes:
    return b"" if value is None else struct.pack(">Q", value)


def _storable(ids: Iterable[int]) -> set[int]:
    # Ids outside 1..2^64-1 cannot be stored; they are never status ids.
    return {i for i in ids if 0 < i <= _MAX_ID}


class RedisTimelineStore:
    """Capped newest-first timelines of status ids in Redis (see module doc)."""

    def __init__(self, client: RedisClient, *, capacity: int = 800, prefix: str = "roost:") -> None:
        self.client = client
        self.capacity = capacity
        self.namespace = check_prefix(prefix) + "tl:"

    def redis_key(self, key: str) -> str:
        """The Redis key holding timeline ``key``."""
        return f"{self.namespace}{{{key}}}"

    async def range(self, key: str, page: Page) -> list[int] | None:
        name = self.redis_key(key)
        max_id, lower = page.max_id, page.lower
        if max_id is not None and max_id > _MAX_ID:
            max_id = None
        if lower is not None and lower < 0:
            lower = None
        if (max_id is not None and max_id <= 0) or (lower is not None and lower >= _MAX_ID):
            # Nothing can be inside; only existence is left to tell.
            return [] if await self.client.exists(name) else None
        limit = max(page.limit, 0)
        if max_id is None and not page.ascending:
            # The newest ``limit`` ids are a prefix of the value.
            head = cast(bytes, await self.client.getrange(name, 0, limit * ID_SIZE))
            if not head:
                return None
            ids = unpack_ids(head[1:])
            return ids if lower is None else [i for i in ids if i > lower]
        chunk = await _RANGE.run(
            self.client,
            name,
            _bound(max_id),
            _bound(lower),
            limit,
            "1" if page.ascending else "0",
        )
        if chunk is None:
            return None
        return unpack_ids(chunk)

    async def mark(self, key: str) -> None:
        await self.client.set(self.redis_key(key), MARKER, nx=True)

    async def merge(self, key: str, ids: Iterable[int], *, create: bool = True) -> bool:
        newest = sorted(_storable(ids), reverse=True)[: self.capacity]
        name, packed = self.redis_key(key), pack_ids(newest)
        done = await _MERGE.run(self.client, name, packed, self.capacity, "1" if create else "0")
        return bool(done)

    async def push(self, keys: Sequence[str], status_id: int) -> None:
        if not keys or not _storable([status_id]):
            return
        packed = pack_ids([status_id])
        names = [self.redis_key(k) for k in keys]
        if not isinstance(self.client, RedisCluster):
            # One script call for every timeline (one server holds them all).
            await _PUSH_MANY.run_keys(self.client, names, packed, self.capacity)
            return
        # A cluster spreads the timelines over slots: one call per key.
        await _PUSH.run_each(self.client, [(n, (packed, self.capacity)) for n in names])

    async def push_pairs(self, pairs: Sequence[tuple[str, int]]) -> None:
        # Each status id packed once (a batch repeats it for every follower).
        packed = {i: pack_ids([i]) for i in _storable({i for _, i in pairs})}
        namespace = self.namespace
        calls = [(f"{namespace}{{{k}}}", packed[i]) for k, i in pairs if i in packed]
        if not calls:
            return
        if not isinstance(self.client, RedisCluster):
            # One script call for the whole batch (one server holds them all).
            await _PUSH_PAIRS.run_keys(
                self.client, [n for n, _ in calls], self.capacity, *(p for _, p in calls)
            )
            return
        await _PUSH.run_each(self.client, [(n, (p, self.capacity)) for n, p in calls])

    async def remove(self, key: str, ids: Iterable[int]) -> None:
        drop = _storable(ids)
        if drop:
            await _REMOVE.run(self.client, self.redis_key(key), pack_ids(sorted(drop)))

    async def remove_everywhere(self, keys: Sequence[str], status_id: int) -> None:
        if not keys or not _storable([status_id]):
            return
        packed = pack_ids([status_id])
        await _REMOVE.run_each(self.client, [(self.redis_key(k), (packed,)) for k in keys])

    async def drop(self, key: str) -> None:
        await self.client.delete(self.redis_key(key))

    async def clear(self) -> None:
        """Delete this deployment's timelines only (never FLUSHDB)."""
        await delete_prefixed(self.client, self.namespace)
