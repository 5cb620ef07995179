"""Account storage access: batched, cached reads and the row writes."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import msgspec
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.accounts.records import AccountRecord
from roost.db import schema
from roost.kernel.bytememo import ByteMemo
from roost.kernel.cachekeys import account_key

if TYPE_CHECKING:
    from roost.services import Services

ACCOUNT_CACHE_TTL = 3600
_a = schema.accounts


def _column(name: str) -> sa.ColumnElement[Any]:
    if name == "confirmed":
        return sa.case((_a.c.confirmed_at.is_(None), sa.false()), else_=sa.true()).label(name)
    if name in ("suspended", "silenced"):
        stamp = getattr(_a.c, f"{name}_at")
        return sa.case((stamp.is_(None), sa.false()), else_=sa.true()).label(name)
    return getattr(_a.c, name)  # type: ignore[no-any-return]


# The accounts columns (and expressions) an AccountRecord is built from.
RECORD_COLUMNS = [_column(name) for name in AccountRecord.__struct_fields__]
_COLUMNS = RECORD_COLUMNS
_decoder = msgspec.msgpack.Decoder(AccountRecord)
# Built once: building this select (thirty columns, three CASEs) and its
# cache key cost about 0.3 ms per execution; a reused one's key is memoized.
_BY_IDS = sa.select(*_COLUMNS).where(_a.c.id.in_(sa.bindparam("ids", expanding=True)))
_encoder = msgspec.msgpack.Encoder()
# Records decoded in this process, by their cached bytes (kernel.bytememo:
# a changed account is other bytes, so never stale).
decode_account = ByteMemo(_decoder.decode, 8_192)


def record_from_row(row: sa.Row[tuple[object, ...]]) -> AccountRecord:
    return AccountRecord(**row._asdict())


async def load_accounts(
    services: Services,
    ids: Iterable[int],
    *,
    conn: AsyncConnection | None = None,
    cached: Mapping[int, bytes] | None = None,
) -> dict[int, AccountRecord]:
    """Accounts by id: one cache round trip, then one query for the misses.

    ``cached``: the ``account_key`` values by id that the caller already
    read along with other keys (absent: not in the cache); then this makes
    no round trip of its own."""
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return {}
    found: dict[int, AccountRecord] = {}
    hits = (
        (await services.cache.get_many(account_key(i) for i in wanted)).values()
        if cached is None
        else (raw for i in wanted if (raw := cached.get(i)) is not None)
    )
    for raw in hits:
        record = decode_account(raw)
        found[record.id] = record
    missing = [i for i in wanted if i not in found]
    if missing:
        if conn is not None:
            rows = (await conn.execute(_BY_IDS, {"ids": missing})).all()
        else:
            async with services.db.read() as read_conn:
                rows = (await read_conn.execute(_BY_IDS, {"ids": missing})).all()
        fresh = {row.id: record_from_row(row) for row in rows}
        found.update(fresh)
        if fresh:
            await services.cache.set_many(
                {account_key(i): _encoder.encode(r) for i, r in fresh.items()},
                ttl=ACCOUNT_CACHE_TTL,
            )
    return found


async def load_account(services: Services, account_id: int) -> AccountRecord | None:
    return (await load_accounts(services, [account_id])).get(account_id)


async def load_account_blob(
    services: Services, account_id: int
) -> tuple[AccountRecord, bytes] | None:
    """``load_account`` and the record's bytes as the cache holds them now
    (read, or just filled): what ``refresh_account`` expects to replace."""
    key = account_key(account_id)
    raw = (await services.cache.get_many([key])).get(key)
    if raw is not None:
        return _decoder.decode(raw), raw
    record = (await load_accounts(services, [account_id], cached={})).get(account_id)
    return None if record is None else (record, _encoder.encode(record))


async def fetch_accounts(conn: AsyncConnection, ids: Iterable[int]) -> dict[int, AccountRecord]:
    """The rows as they are in this transaction, bypassing the cache."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = await conn.execute(_BY_IDS, {"ids": wanted})
    return {row.id: record_from_row(row) for row in rows}


async def refresh_account(services: Services, expected: bytes, record: AccountRecord) -> None:
    """After a committed change to an account's row, cache ``record`` (the
    row as that transaction left it) in place of ``expected``, the bytes
    read before the change: the cached account stays warm across a post.

    When the entry is no longer ``expected`` (another change, an
    invalidation or an expiry came between), the entry is dropped instead,
    as ``forget_accounts`` would: an older row must never overwrite a newer
    one, and whichever writer changed it meanwhile refreshes or drops it
    again after its own commit."""
    await services.cache.replace(
        account_key(record.id), expected, _encoder.encode(record), ttl=ACCOUNT_CACHE_TTL
    )


async def fetch_account(conn: AsyncConnection, account_id: int) -> AccountRecord | None:
    """The row as it is in this transaction, bypassing the cache."""
    row = (await conn.execute(_BY_IDS, {"ids": [account_id]})).first()
    return None if row is None else record_from_row(row)


async def find_account_id(conn: AsyncConnection, username: str) -> int | None:
    row = (
        await conn.execute(sa.select(_a.c.id).where(_a.c.username_key == username.lower()))
    ).first()
    return None if row is None else int(row.id)


async def forget_accounts(services: Services, *ids: int) -> None:
    """Drop cached copies after a committed change (profile, counters)."""
    if ids:
        await services.cache.delete(*(account_key(i) for i in ids))
