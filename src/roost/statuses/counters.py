"""Favourite, reblog and reply counts of statuses, sharded against hot rows.

Writes: each like, reblog or reply (and their undoing) adds +1/-1 to ONE
random shard row of ``status_counters`` with an upsert, inside the same
transaction as the favourites/statuses row it counts, so the sum over the
shards is always exact. Concurrent likers of a viral status then spread over
``SHARDS`` row locks instead of all queueing on one (the status row itself is
only share-locked, see ``writes.lock_statuses``).

Reads: the count is the SUM over the shards, one grouped query for a whole
batch. Counts are cached apart from the status record under ``counts:{id}``
with a short TTL, so a like never evicts the (bigger, rarely changing) status
record. After a committed change the writer deletes the counts key and the
next reader reloads the exact sum. Deleting rather than ``incr``-ementing in
the cache is deliberate: an increment is lost if the process dies between the
commit and the cache call (the cache would stay wrong until the TTL), and
``incr`` on a missing key would start from zero; a delete can only make the
next read slower. The one race left is the usual one of a cache filled from a
read that began before the commit; the TTL bounds it to a minute.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import msgspec
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.db import schema
from roost.kernel.bytememo import ByteMemo
from roost.kernel.cachekeys import counts_key

if TYPE_CHECKING:
    from roost.services import Services

SHARDS = 16
COUNTS_CACHE_TTL = 60

_c = schema.status_counters


class Counts(msgspec.Struct, array_like=True, frozen=True):
    """The three counters of a status (a delta when written)."""

    favourites: int = 0
    reblogs: int = 0
    replies: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(
            self.favourites + other.favourites,
            self.reblogs + other.reblogs,
            self.replies + other.replies,
        )

    def __neg__(self) -> Counts:
        return Counts(-self.favourites, -self.reblogs, -self.replies)


ZERO = Counts()
_decoder = msgspec.msgpack.Decoder(Counts)
_encoder = msgspec.msgpack.Encoder()
# Decoded counts by their cached bytes (kernel.bytememo): a few bytes each,
# and most statuses share a handful of values (no likes yet, one reply...).
_decode = ByteMemo(_decoder.decode, 4_096)


def pick_shard() -> int:
    return random.randrange(SHARDS)


_FIELDS = ("favourites", "reblogs", "replies")


def _build_upsert(dialect: str) -> Any:
    module: Any = postgresql if dialect == "postgresql" else sqlite
    insert = module.insert(_c).values(
        {name: sa.bindparam(name) for name in ("status_id", "shard", *_FIELDS)}
    )
    return insert.on_conflict_do_update(
        index_elements=[_c.c.status_id, _c.c.shard],
        set_={name: _c.c[name] + insert.excluded[name] for name in _FIELDS},
    )


# Built once: rebuilding the dialect construct per like cost more than the SQL.
_UPSERTS = {name: _build_upsert(name) for name in ("postgresql", "sqlite")}


async def add_counts(
    conn: AsyncConnection, deltas: Mapping[int, Counts], *, shard: int | None = None
) -> None:
    """Add ``deltas`` (status id -> amounts) to one shard row per status,
    inside the caller's transaction. The caller has checked (and share-locked)
    that the statuses exist. ``shard`` is for tests; by default each status
    gets a random one."""
    rows = [
        {
            "status_id": status_id,
            "shard": pick_shard() if shard is None else shard,
            "favourites": delta.favourites,
            "reblogs": delta.reblogs,
            "replies": delta.replies,
        }
        # Sorted: concurrent multi-status writers take the row locks in one order.
        for status_id, delta in sorted(deltas.items())
        if delta != ZERO
    ]
    if rows:
        await conn.execute(_UPSERTS[conn.dialect.name], rows)


async def delete_counts(conn: AsyncConnection, status_ids: list[int]) -> None:
    """Drop the shard rows of deleted statuses (caller's transaction)."""
    await conn.execute(_c.delete().where(_c.c.status_id.in_(status_ids)))


async def fetch_counts(conn: AsyncConnection, status_ids: Iterable[int]) -> dict[int, Counts]:
    """Exact counts from the database in one grouped query; statuses without
    shard rows count zero."""
    wanted = list(dict.fromkeys(status_ids))
    if not wanted:
        return {}
    result = dict.fromkeys(wanted, ZERO)
    rows = await conn.execute(
        sa.select(
            _c.c.status_id,
            sa.func.sum(_c.c.favourites),
            sa.func.sum(_c.c.reblogs),
            sa.func.sum(_c.c.replies),
        )
        .where(_c.c.status_id.in_(wanted))
        .group_by(_c.c.status_id)
    )
    for status_id, favourites, reblogs, replies in rows:
        # Never shown below zero, whatever a hand-edited database says.
        result[status_id] = Counts(
            max(0, int(favourites)), max(0, int(reblogs)), max(0, int(replies))
        )
    return result


# One cached ``counts_key`` value (the memo itself: a wrapper call per status
# cost as much as the lookup).
decode_counts = _decode


def decode_cached(found: Mapping[str, bytes], status_ids: Iterable[int]) -> dict[int, Counts]:
    """The counts among cache values ``found`` (fetched with ``counts_key``)."""
    result: dict[int, Counts] = {}
    for status_id in status_ids:
        raw = found.get(counts_key(status_id))
        if raw is not None:
            result[status_id] = _decode(raw)
    return result


async def load_counts(
    services: Services,
    status_ids: Iterable[int],
    *,
    cached: Mapping[int, Counts] | None = None,
    primary: bool = False,
) -> dict[int, Counts]:
    """Counts of these statuses: ``cached`` ones (already read from the cache
    by the caller, in the round trip that fetched the records), else one cache
    round trip; then one grouped query for the rest, which is cached."""
    wanted = list(dict.fromkeys(status_ids))
    if not wanted:
        return {}
    if cached is None:
        raw = await services.cache.get_many(counts_key(i) for i in wanted)
        cached = decode_cached(raw, wanted)
    found = {i: cached[i] for i in wanted if i in cached}
    missing = [i for i in wanted if i not in found]
    if missing:
        async with services.db.read(primary=primary) as conn:
            fresh = await fetch_counts(conn, missing)
        await services.cache.set_many(
            {counts_key(i): _encoder.encode(c) for i, c in fresh.items()},
            ttl=COUNTS_CACHE_TTL,
        )
        found.update(fresh)
    return found


def zero_counts_entry(status_id: int) -> dict[str, tuple[bytes, int]]:
    """The cache entry (for ``Cache.set_each``) of the counts of a status
    just created: nothing yet."""
    return {counts_key(status_id): (_encoder.encode(Counts()), COUNTS_CACHE_TTL)}


async def forget_counts(services: Services, *status_ids: int) -> None:
    """Drop cached counts after a committed change to them."""
    if status_ids:
        await services.cache.delete(*(counts_key(i) for i in status_ids))
