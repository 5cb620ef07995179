"""Connecting to Redis or Redis Cluster, and the few client operations whose
shape differs between the two.

``ROOST_REDIS_URL`` picks the client: ``redis://host:6379/0`` (or
``rediss://``, ``unix://``) is one server; ``redis+cluster://host:6379`` (or
``rediss+cluster://``) is a Redis Cluster reached through any of its nodes.

What changes in cluster mode, and how this module hides it:

* A command naming several keys must keep them in one hash slot. ``MGET``
  goes through ``mget_nonatomic``, which groups the keys by slot and sends one
  ``MGET`` per slot in a pipeline (one round trip per node, not atomic across
  slots, which a cache does not need). ``DEL``/``UNLINK`` of many keys are
  split by slot the same way by redis-py.
* ``SCAN`` walks one node at a time: redis-py's cluster ``scan_iter`` visits
  every primary.
* Scripts get exactly one key each, so they run on the node owning that key;
  ``SCRIPT LOAD`` is sent to every primary.
* Pipelines are split per node by redis-py and sent in parallel.
* Pub/sub (job wake-ups) uses classic channels, which every node relays, so
  the subscriber connects to any one node.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any, cast

from redis.asyncio import BlockingConnectionPool, Redis, RedisCluster
from redis.asyncio.client import PubSub
from redis.exceptions import NoScriptError

RedisClient = Redis | RedisCluster

_CLUSTER_SCHEMES = {"redis+cluster": "redis", "rediss+cluster": "rediss"}


# How long a call waits for a free pooled connection before it fails.
POOL_WAIT_SECONDS = 10.0
# How long a command may wait for Redis's answer (and a connection for its
# handshake). Without it a Redis that stops answering but keeps its
# connections open (frozen, a half-open network path) would hold every
# request for ever; with it the call fails, the breaker opens and requests
# are answered from the database. Roost sends no blocking commands; the
# wake-up subscriber waits with its own, longer timeout.
SOCKET_TIMEOUT_SECONDS = 3.0
CONNECT_TIMEOUT_SECONDS = 2.0


def connect_redis(url: str, *, pool_size: int = 50) -> RedisClient:
    """A client for ``url``; nothing is sent until the first command.

    On one server the pool holds at most ``pool_size`` connections and a call
    beyond them waits for one to come back (a blocking pool). redis-py's
    default pool refuses such a call at once instead ("Too many
    connections"): under load that looked like Redis being down, sent every
    read to the database and collapsed the server's throughput.
    """
    scheme, sep, rest = url.partition("://")
    if not sep:
        raise ValueError(f"not a Redis URL: {url!r}")
    cluster_scheme = _CLUSTER_SCHEMES.get(scheme.lower())
    if cluster_scheme is not None:
        return RedisCluster.from_url(
            f"{cluster_scheme}://{rest}",
            socket_timeout=SOCKET_TIMEOUT_SECONDS,
            socket_connect_timeout=CONNECT_TIMEOUT_SECONDS,
        )
    # Values are bytes (msgpack, packed ids): never decode replies.
    pool = BlockingConnectionPool.from_url(
        url,
        max_connections=pool_size,
        timeout=POOL_WAIT_SECONDS,
        decode_responses=False,
        health_check_interval=30,
        socket_timeout=SOCKET_TIMEOUT_SECONDS,
        socket_connect_timeout=CONNECT_TIMEOUT_SECONDS,
    )
    return Redis.from_pool(pool)


def pool_exhausted(exc: BaseException) -> bool:
    """True when a call failed for want of a free connection in this process
    (local overload), not because Redis is unreachable."""
    from redis.exceptions import ConnectionError, MaxConnectionsError

    if isinstance(exc, MaxConnectionsError):
        return True
    # BlockingConnectionPool's wait running out is a plain ConnectionError.
    return type(exc) is ConnectionError and str(exc) == "No connection available."


async def ping(client: RedisClient) -> None:
    """One real round trip (the breaker's probe)."""
    await client.ping()


async def drop_idle_connections(client: RedisClient) -> None:
    """Close the pooled connections nobody is using (they reconnect on next
    use): after an outage they may be dead sockets to a Redis that was
    restarted, each of which would fail its next call once."""
    if isinstance(client, RedisCluster):
        # Each node's pool: the node map may have changed anyway.
        for node in client.get_nodes():
            await node.disconnect_free_connections()
        return
    await client.connection_pool.disconnect(inuse_connections=False)


async def close_redis(client: RedisClient) -> None:
    await client.aclose()


async def get_many(client: RedisClient, keys: Sequence[str]) -> list[bytes | None]:
    """``MGET``, split by hash slot on a cluster."""
    if not keys:
        return []
    if isinstance(client, RedisCluster):
        values = await client.mget_nonatomic(list(keys))
    else:
        values = await client.mget(list(keys))
    # Replies are never decoded (see connect_redis).
    return cast("list[bytes | None]", values)


async def open_pubsub(client: RedisClient) -> PubSub:
    """A pub/sub connection. On a cluster it goes to one node chosen up front:
    classic (not sharded) messages reach every node, so any node will do."""
    if isinstance(client, RedisCluster):
        await client.initialize()  # the node map, needed to pick a node
        return client.pubsub(node=client.get_default_node())
    return client.pubsub()


def glob_escape(text: str) -> str:
    """Escape ``SCAN MATCH`` pattern characters so ``text`` matches literally."""
    return "".join("\\" + ch if ch in "*?[]\\" else ch for ch in text)


async def delete_prefixed(client: RedisClient, prefix: str, *, batch: int = 500) -> int:
    """Delete every key starting with ``prefix`` (SCAN, then UNLINK in batches).

    Only the caller's keys go: other tenants of the same Redis are untouched,
    unlike FLUSHDB.
    """
    pattern = glob_escape(prefix) + "*"
    deleted = 0
    pending: list[bytes] = []
    async for key in client.scan_iter(match=pattern, count=1000):
        pending.append(key)
        if len(pending) >= batch:
            deleted += await client.unlink(*pending)
            pending = []
    if pending:
        deleted += await client.unlink(*pending)
    return deleted


class LuaScript:
    """A Lua script run by ``EVALSHA`` with one key (``run``, ``run_each``), or with
    several keys that one server or hash slot holds (``run_keys``).

    redis-py's own ``Script`` sends ``SCRIPT EXISTS`` before every pipeline;
    here the script is sent by hash and only loaded again when the server
    answers NOSCRIPT (after a restart, a failover or ``SCRIPT FLUSH``), so a
    pipelined fan-out stays one round trip.
    """

    def __init__(self, source: str) -> None:
        self.source = source
        self.sha = hashlib.sha1(source.encode()).hexdigest()

    async def load(self, client: RedisClient) -> None:
        await client.script_load(self.source)

    async def run(self, client: RedisClient, key: str, *args: bytes | str | int) -> Any:
        try:
            return await client.evalsha(self.sha, 1, key, *args)
        except NoScriptError:
            await self.load(client)
            return await client.evalsha(self.sha, 1, key, *args)

    async def run_keys(
        self, client: RedisClient, keys: Sequence[str], *args: bytes | str | int
    ) -> Any:
        """Run the script once over several keys (``KEYS[1..n]``): on a
        single server, or keys of one hash slot."""
        try:
            return await client.evalsha(self.sha, len(keys), *keys, *args)
        except NoScriptError:
            await self.load(client)
            return await client.evalsha(self.sha, len(keys), *keys, *args)

    async def run_each(
        self, client: RedisClient, calls: Sequence[tuple[str, Sequence[bytes | str | int]]]
    ) -> list[Any]:
        """Run the script once per ``(key, args)`` in one pipeline; results in order."""
        if not calls:
            return []
        results = await self._pipeline(client, calls)
        missing = [i for i, r in enumerate(results) if isinstance(r, NoScriptError)]
        if missing:
            # NOSCRIPT means the script did not run for that key: loading it
            # and sending those calls again runs each exactly once.
            await self.load(client)
            retried = await self._pipeline(client, [calls[i] for i in missing])
            for i, result in zip(missing, retried, strict=True):
                results[i] = result
        for result in results:
            if isinstance(result, Exception):
                raise result
        return results

    async def _pipeline(
        self, client: RedisClient, calls: Sequence[tuple[str, Sequence[bytes | str | int]]]
    ) -> list[Any]:
        pipe = client.pipeline(transaction=False)
        for key, args in calls:
            # execute_command: cluster pipelines refuse the evalsha() helper but
            # route a raw EVALSHA by its key like any other command.
            pipe.execute_command("EVALSHA", self.sha, 1, key, *args)
        results: list[Any] = await pipe.execute(raise_on_error=False)
        return results
