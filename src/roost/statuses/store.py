"""Status storage access: batched, cached reads of StatusRecords.

A record is cached under ``status:{id}`` (msgpack). Whoever commits a change
to a status row or to its mentions/tags calls ``forget_statuses`` after the
commit; the next read reloads it. Likes, reblogs and replies do not touch
the record: their counts are cached apart (counters.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import msgspec
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.db import schema
from roost.kernel.bytememo import ByteMemo
from roost.kernel.cachekeys import STATUS_PREFIX, status_key
from roost.media.store import fetch_for_statuses
from roost.statuses.records import StatusRecord

if TYPE_CHECKING:
    from roost.services import Services

STATUS_CACHE_TTL = 3600
_s = schema.statuses
_ROW_FIELDS = [
    f for f in StatusRecord.__struct_fields__ if f not in ("mention_ids", "tags", "media")
]
_COLUMNS = [getattr(_s.c, name) for name in _ROW_FIELDS]
_decoder = msgspec.msgpack.Decoder(StatusRecord)
_encoder = msgspec.msgpack.Encoder()
# Records decoded in this process, by their cached bytes (kernel.bytememo:
# never stale, a changed record has other bytes). A page of a warm timeline
# reads the same twenty records as the last reader did; decoding them (text,
# content, two timestamps each) was the largest single cost of the read
# after rendering. About a record's size twice per entry (~1-3 KB).
STATUS_RECORDS = 16_384
decode_status = ByteMemo(_decoder.decode, STATUS_RECORDS)


# "v2": records cached before the counts moved out had three more fields.


def row_values(record: StatusRecord) -> dict[str, Any]:
    """The ``statuses`` row of a record (mentions, tags and media live elsewhere)."""
    return {name: getattr(record, name) for name in _ROW_FIELDS}


async def fetch_status_records(conn: AsyncConnection, ids: list[int]) -> dict[int, StatusRecord]:
    """Records straight from the database: statuses, mentions, tags, media
    (four queries)."""
    rows = (await conn.execute(sa.select(*_COLUMNS).where(_s.c.id.in_(ids)))).all()
    if not rows:
        return {}
    records = {row.id: StatusRecord(**row._asdict()) for row in rows}
    # Reblog wrappers carry no mentions or tags of their own.
    own = [i for i, r in records.items() if r.reblog_of_id is None]
    if own:
        m = schema.mentions
        mention_rows = await conn.execute(
            sa.select(m.c.status_id, m.c.account_id)
            .where(m.c.status_id.in_(own))
            .order_by(m.c.status_id, m.c.account_id)
        )
        for status_id, account_id in mention_rows:
            records[status_id].mention_ids.append(account_id)
        st, t = schema.status_tags, schema.tags
        tag_rows = await conn.execute(
            sa.select(st.c.status_id, t.c.name)
            .join(t, t.c.id == st.c.tag_id)
            .where(st.c.status_id.in_(own))
            .order_by(st.c.status_id, t.c.name)
        )
        for status_id, name in tag_rows:
            records[status_id].tags.append(name)
        for status_id, media in (await fetch_for_statuses(conn, own)).items():
            records[status_id].media.extend(media)
    return records


async def load_statuses(
    services: Services,
    ids: Iterable[int],
    *,
    conn: AsyncConnection | None = None,
    primary: bool = False,
) -> dict[int, StatusRecord]:
    """Statuses by id: one cache round trip, then (for misses) one batch of queries.

    Unknown ids are absent from the result. ``conn`` reads inside an open
    transaction (uncommitted rows: the cache is neither read nor filled);
    ``primary`` avoids replica lag right after a write.
    """
    if conn is not None:
        wanted = list(dict.fromkeys(ids))
        return await fetch_status_records(conn, wanted) if wanted else {}
    records, _ = await load_status_blobs(services, ids, primary=primary)
    return records


def cached_statuses(
    ids: Iterable[int], cached: Mapping[str, bytes]
) -> tuple[dict[int, StatusRecord], dict[int, bytes]]:
    """The records among cache values a caller read already (with
    ``status_key``), and their bytes, by id; misses are simply absent (the
    caller's later ``load_status_blobs`` reads them)."""
    decode = decode_status
    found: dict[int, StatusRecord] = {}
    blobs: dict[int, bytes] = {}
    for status_id in ids:
        value = cached.get(STATUS_PREFIX + str(status_id))
        if value is not None:
            found[status_id] = decode(value)
            blobs[status_id] = value
    return found, blobs


async def load_status_blobs(
    services: Services, ids: Iterable[int], *, primary: bool = False
) -> tuple[dict[int, StatusRecord], dict[int, bytes]]:
    """``load_statuses``, also returning each record's encoded form as
    cached (whether read from the cache or just written to it), by id."""
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return {}, {}
    found: dict[int, StatusRecord] = {}
    blobs: dict[int, bytes] = {}
    keys = [STATUS_PREFIX + str(i) for i in wanted]
    hits = await services.cache.get_many(keys)
    decode = decode_status
    missing: list[int] = []
    for status_id, key in zip(wanted, keys, strict=True):
        value = hits.get(key)
        if value is None:
            missing.append(status_id)
        else:
            found[status_id] = decode(value)
            blobs[status_id] = value
    if not missing:
        return found, blobs
    async with services.db.read(primary=primary) as read_conn:
        fresh = await fetch_status_records(read_conn, missing)
    if fresh:
        encoded = {i: _encoder.encode(r) for i, r in fresh.items()}
        await services.cache.set_many(
            {status_key(i): raw for i, raw in encoded.items()}, ttl=STATUS_CACHE_TTL
        )
        blobs.update(encoded)
        found.update(fresh)
    return found, blobs


async def load_status(services: Services, status_id: int) -> StatusRecord | None:
    return (await load_statuses(services, [status_id])).get(status_id)


def new_status_entry(record: StatusRecord) -> dict[str, tuple[bytes, int]]:
    """The cache entry (for ``Cache.set_each``) of a status, to write right
    after the commit that created it.

    Its first readers (every follower's home timeline) would otherwise all
    miss the cache at once. A new row has had no other writer yet, so the
    record is exactly what was stored.
    """
    return {status_key(record.id): (_encoder.encode(record), STATUS_CACHE_TTL)}


async def forget_statuses(services: Services, *ids: int) -> None:
    """Drop cached copies after a committed change to these status rows."""
    if ids:
        await services.cache.delete(*(status_key(i) for i in ids))
