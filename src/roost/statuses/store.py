"""Status storage access: batched, cached reads of StatusRecords.

A record is cached under ``status:{id}`` (msgpack). Whoever commits a change
to a status row or to its mentions/tags calls ``forget_statuses`` after the
commit; the next read reloads it. Likes, reblogs and replies do not touch
the record: their counts are cached apart (counters.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import msgspec
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.db import schema
from roost.statuses.records import StatusRecord

if TYPE_CHECKING:
    from roost.services import Services

STATUS_CACHE_TTL = 3600
_s = schema.statuses
_ROW_FIELDS = [f for f in StatusRecord.__struct_fields__ if f not in ("mention_ids", "tags")]
_COLUMNS = [getattr(_s.c, name) for name in _ROW_FIELDS]
_decoder = msgspec.msgpack.Decoder(StatusRecord)
_encoder = msgspec.msgpack.Encoder()


def status_key(status_id: int) -> str:
    # "v2": records cached before the counts moved out had three more fields.
    return f"status:v2:{status_id}"


async def fetch_status_records(conn: AsyncConnection, ids: list[int]) -> dict[int, StatusRecord]:
    """Records straight from the database: statuses, mentions, tags (three queries)."""
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
    transaction; ``primary`` avoids replica lag right after a write.
    """
    records, _ = await load_statuses_with(services, ids, conn=conn, primary=primary)
    return records


async def load_statuses_with(
    services: Services,
    ids: Iterable[int],
    *,
    extra_keys: Iterable[str] = (),
    conn: AsyncConnection | None = None,
    primary: bool = False,
) -> tuple[dict[int, StatusRecord], dict[str, bytes]]:
    """``load_statuses`` that also reads ``extra_keys`` from the cache in the
    same round trip (hydration fetches the statuses' counts along); returns
    the records and the cache values: the extra ones found, and the encoded
    record of every status found (under ``status_key``, whether it came from
    the cache or was just written to it)."""
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return {}, {}
    found: dict[int, StatusRecord] = {}
    extra: dict[str, bytes] = {}
    if conn is None:
        keys = [status_key(i) for i in wanted]
        extra = await services.cache.get_many([*keys, *extra_keys])
        for key in keys:
            value = extra.get(key)
            if value is not None:
                record = _decoder.decode(value)
                found[record.id] = record
    missing = [i for i in wanted if i not in found]
    if not missing:
        return found, extra
    if conn is not None:
        # Inside a transaction the rows may be uncommitted: never cache them.
        return await fetch_status_records(conn, missing), extra
    async with services.db.read(primary=primary) as read_conn:
        fresh = await fetch_status_records(read_conn, missing)
    if fresh:
        encoded = {status_key(i): _encoder.encode(r) for i, r in fresh.items()}
        await services.cache.set_many(encoded, ttl=STATUS_CACHE_TTL)
        extra.update(encoded)
        found.update(fresh)
    return found, extra


async def load_status(services: Services, status_id: int) -> StatusRecord | None:
    return (await load_statuses(services, [status_id])).get(status_id)


async def forget_statuses(services: Services, *ids: int) -> None:
    """Drop cached copies after a committed change to these status rows."""
    if ids:
        await services.cache.delete(*(status_key(i) for i in ids))
