"""The viewer's filters in the database and the cache.

``flt:<viewer>`` holds every filter of the viewer with its keywords and
statuses (expired ones included: expiry is checked when matching), so
applying them to a warm timeline page costs one cache read and no SQL.
It is dropped after every committed change of the viewer's filters.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

import msgspec
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.db import schema
from roost.kernel.cachekeys import filters_key

if TYPE_CHECKING:
    from roost.services import Services

FILTERS_CACHE_TTL = 3600
CONTEXTS = ("home", "notifications", "public", "thread", "account")
WARN, HIDE = "warn", "hide"

_fl, _kw, _fs = schema.filters, schema.filter_keywords, schema.filter_statuses


class KeywordRecord(msgspec.Struct, array_like=True):
    id: int
    keyword: str
    whole_word: bool


class FilterStatusRecord(msgspec.Struct, array_like=True):
    id: int
    status_id: int


class FilterRecord(msgspec.Struct, array_like=True):
    id: int
    owner_id: int
    title: str
    context: list[str]
    action: str
    expires_at: datetime | None
    keywords: list[KeywordRecord] = []
    statuses: list[FilterStatusRecord] = []


_decoder = msgspec.msgpack.Decoder(list[FilterRecord])
_encoder = msgspec.msgpack.Encoder()


async def query_filters(conn: AsyncConnection, owner_id: int) -> list[FilterRecord]:
    """The owner's filters, oldest first, with keywords and statuses: three queries."""
    rows = (
        await conn.execute(sa.select(_fl).where(_fl.c.account_id == owner_id).order_by(_fl.c.id))
    ).all()
    found = {
        int(r.id): FilterRecord(
            int(r.id),
            int(r.account_id),
            str(r.title),
            [str(c) for c in r.context],
            str(r.action),
            r.expires_at,
            [],
            [],
        )
        for r in rows
    }
    if found:
        ids = list(found)
        for r in await conn.execute(
            sa.select(_kw).where(_kw.c.filter_id.in_(ids)).order_by(_kw.c.id)
        ):
            found[int(r.filter_id)].keywords.append(
                KeywordRecord(int(r.id), str(r.keyword), bool(r.whole_word))
            )
        for r in await conn.execute(
            sa.select(_fs).where(_fs.c.filter_id.in_(ids)).order_by(_fs.c.id)
        ):
            found[int(r.filter_id)].statuses.append(FilterStatusRecord(int(r.id), int(r.status_id)))
    return list(found.values())


def decode_filters(raw: bytes) -> list[FilterRecord]:
    return _decoder.decode(raw)


async def load_filters(
    services: Services, owner_id: int, *, cached: Mapping[str, bytes] | None = None
) -> list[FilterRecord]:
    """Every filter of the owner: one cache round trip when warm. ``cached``:
    values the caller read along with other keys (``filters_key`` absent:
    not in the cache); then this makes no round trip of its own."""
    key = filters_key(owner_id)
    if cached is None:
        cached = await services.cache.get_many([key])
    raw = cached.get(key)
    if raw is not None:
        return _decoder.decode(raw)
    async with services.db.read(primary=True) as conn:
        found = await query_filters(conn, owner_id)
    await services.cache.set_many({key: _encoder.encode(found)}, ttl=FILTERS_CACHE_TTL)
    return found


async def forget_filters(services: Services, owner_id: int) -> None:
    await services.cache.delete(filters_key(owner_id))


async def filter_of_keyword(conn: AsyncConnection, keyword_id: int) -> int | None:
    row = (await conn.execute(sa.select(_kw.c.filter_id).where(_kw.c.id == keyword_id))).first()
    return None if row is None else int(row[0])


async def filter_of_status(conn: AsyncConnection, filter_status_id: int) -> int | None:
    row = (
        await conn.execute(sa.select(_fs.c.filter_id).where(_fs.c.id == filter_status_id))
    ).first()
    return None if row is None else int(row[0])


def by_id(records: Sequence[FilterRecord], filter_id: int) -> FilterRecord | None:
    return next((r for r in records if r.id == filter_id), None)
