"""Worker id leases in Redis: one key per id, ``<prefix>worker-id:<n>``,
holding the owner's random token, with an expiry the owner keeps renewing.

Taking an id is ``SET NX PX``; renewing and releasing check the owner
first (Lua, one key each, so they also run on a cluster). Renewing a key
that has vanished (Redis flushed or restarted empty) takes it again, so
the owner keeps its id unless another process took it in between.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from roost.infra.redis_client import LuaScript, RedisClient

# 1: still ours (renewed, or taken again after it vanished); 0: someone else's.
_RENEW = LuaScript(
    """
local owner = redis.call('GET', KEYS[1])
if owner == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
if owner then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
"""
)

_RELEASE = LuaScript(
    """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""
)


class RedisWorkerIds:
    """Leases of the worker ids ``0..max_id`` in Redis."""

    def __init__(self, client: RedisClient, *, prefix: str, max_id: int) -> None:
        self.client = client
        self.namespace = prefix + "worker-id:"
        self.max_id = max_id

    def _key(self, worker_id: int) -> str:
        return f"{self.namespace}{worker_id}"

    def _candidates(self, preferred: Sequence[int]) -> list[int]:
        # From a random start, so processes starting together rarely race
        # for the same ids.
        start = random.randrange(self.max_id + 1)
        ordered = [(start + n) % (self.max_id + 1) for n in range(self.max_id + 1)]
        return [*preferred, *(i for i in ordered if i not in preferred)]

    async def acquire(self, owner: str, *, ttl: float, preferred: Sequence[int] = ()) -> int | None:
        """Lease a free id for ``owner``; None when all are taken."""
        ttl_ms = max(1, int(ttl * 1000))
        for worker_id in self._candidates(preferred):
            if await self.client.set(self._key(worker_id), owner, nx=True, px=ttl_ms):
                return worker_id
        return None

    async def renew(self, worker_id: int, owner: str, *, ttl: float) -> bool:
        ttl_ms = max(1, int(ttl * 1000))
        return bool(await _RENEW.run(self.client, self._key(worker_id), owner, ttl_ms))

    async def release(self, worker_id: int, owner: str) -> None:
        await _RELEASE.run(self.client, self._key(worker_id), owner)
