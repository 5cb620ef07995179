"""What the postgres deployment's Redis holds for home timelines.

Memory: a home timeline is one Redis string (``roost.infra.redis_timelines``): a
marker byte, then 8 bytes per status id. ``MEMORY USAGE`` of a sample of
warm home timelines gives the bytes one cached timeline costs, key and
allocator overhead included, next to how many ids each holds. The change of
``INFO used_memory`` while the timelines were first built is given too; it
also counts the status and account cache entries those reads filled and
anything else that used the same Redis meanwhile, so it is an upper bound.

Contents: a hot account's post (``roost.timelines.hot``) is merged into
home timelines when they are read and never pushed into the stored ones,
while an ordinary post is pushed by fan-out. Which of the posts followers
saw are in their stored timelines tells which path each took.
"""

from __future__ import annotations

import random
import statistics
from collections.abc import Mapping, Sequence, Set
from typing import Any, cast

from redis.asyncio.cluster import RedisCluster

from roost.config import Settings
from roost.infra.redis_client import RedisClient, close_redis, connect_redis
from roost.infra.redis_timelines import ID_SIZE, MARKER, RedisTimelineStore, unpack_ids
from roost.kernel.cachekeys import home_key

DEFAULT_SAMPLE = 100


def ids_in(value_length: int) -> int:
    """Status ids in a timeline value of ``value_length`` bytes."""
    return max(0, (value_length - len(MARKER)) // ID_SIZE)


def summarize_timeline_memory(samples: Sequence[tuple[int, int]]) -> dict[str, Any]:
    """Figures for ``(MEMORY USAGE bytes, value length)`` pairs of timelines."""
    if not samples:
        return {"sampled": 0}
    usage = [u for u, _ in samples]
    ids = [ids_in(length) for _, length in samples]
    mean_ids = statistics.fmean(ids)
    return {
        "sampled": len(samples),
        "bytes_mean": statistics.fmean(usage),
        "bytes_max": max(usage),
        "bytes_min": min(usage),
        "ids_mean": mean_ids,
        "ids_min": min(ids),
        "ids_max": max(ids),
        "bytes_per_id": statistics.fmean(usage) / mean_ids if mean_ids else None,
    }


def per_timeline_delta(
    before: int | None, after: int | None, created: int
) -> dict[str, float | int | None]:
    """``INFO used_memory`` growth over ``created`` new timelines (an upper bound)."""
    if before is None or after is None:
        return {"used_memory_delta_bytes": None, "per_timeline_bytes": None, "created": created}
    delta = after - before
    return {
        "used_memory_delta_bytes": delta,
        "per_timeline_bytes": delta / created if created > 0 else None,
        "created": created,
    }


def _home_keys(settings: Settings, client: RedisClient, account_ids: Sequence[int]) -> list[str]:
    store = RedisTimelineStore(client, prefix=settings.redis_key_prefix)
    return [store.redis_key(home_key(a)) for a in account_ids]


async def used_memory(settings: Settings) -> int | None:
    """``INFO used_memory`` of the (single) Redis server; None on a cluster."""
    client = connect_redis(settings.redis_url)
    try:
        if isinstance(client, RedisCluster):
            return None
        info = await client.info("memory")
        return int(info["used_memory"])
    finally:
        await close_redis(client)


async def existing_timelines(settings: Settings, account_ids: Sequence[int]) -> int:
    """How many of these accounts' home timelines are cached."""
    client = connect_redis(settings.redis_url)
    try:
        found = 0
        for key in _home_keys(settings, client, account_ids):
            found += int(await client.exists(key))
        return found
    finally:
        await close_redis(client)


async def timeline_memory(
    settings: Settings, account_ids: Sequence[int], *, sample: int = DEFAULT_SAMPLE, seed: int = 0
) -> dict[str, Any]:
    """``MEMORY USAGE`` of up to ``sample`` of these accounts' cached home
    timelines (missing ones are skipped and counted)."""
    chosen = list(account_ids)
    if len(chosen) > sample:
        chosen = random.Random(seed).sample(chosen, sample)
    client = connect_redis(settings.redis_url)
    samples: list[tuple[int, int]] = []
    missing = 0
    try:
        for key in _home_keys(settings, client, chosen):
            # SAMPLES 0: measure the whole value, not an estimate.
            usage = await client.memory_usage(key, samples=0)
            if usage is None:
                missing += 1
                continue
            length = int(await client.strlen(key))
            samples.append((int(usage), length))
    finally:
        await close_redis(client)
    return summarize_timeline_memory(samples) | {"missing": missing}


async def stored_home_ids(settings: Settings, account_ids: Sequence[int]) -> dict[int, set[int]]:
    """The status ids in each account's stored home timeline (empty: none stored)."""
    client = connect_redis(settings.redis_url)
    found: dict[int, set[int]] = {}
    try:
        keys = _home_keys(settings, client, account_ids)
        for account_id, key in zip(account_ids, keys, strict=True):
            value = cast(bytes | None, await client.get(key))
            found[account_id] = set(unpack_ids(value[len(MARKER) :])) if value else set()
    finally:
        await close_redis(client)
    return found


def delivery_paths(
    seen: Mapping[int, Sequence[int]],
    author_of: Mapping[int, int],
    hot_authors: Set[int],
    stored: Mapping[int, Set[int]],
) -> dict[str, dict[str, int]]:
    """How the posts followers saw reached them.

    ``seen``: follower -> status ids it saw in its home timeline;
    ``author_of``: status id -> author; ``stored``: follower -> ids in its
    stored timeline. Posts of ``hot_authors`` should never be stored (merged
    on read); the others should be (fan-out on write).
    """
    paths = {
        "read_merge": {"seen": 0, "in_stored_timeline": 0},
        "fan_out": {"seen": 0, "in_stored_timeline": 0},
    }
    for follower, ids in seen.items():
        kept = stored.get(follower, set())
        for status_id in ids:
            author = author_of.get(status_id)
            if author is None:
                continue
            path = paths["read_merge" if author in hot_authors else "fan_out"]
            path["seen"] += 1
            path["in_stored_timeline"] += status_id in kept
    return paths
