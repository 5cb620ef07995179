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
        query = sa.select(*_COLUMNS).where(_a.c.id.in_(missing))
        if conn is not None:
            rows = (await conn.execute(query)).all()
        else:
            async with services.db.read() as read_conn:
                rows = (await read_conn.execute(query)).all()
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


async def fetch_account(conn: AsyncConnection, account_id: int) -> AccountRecord | None:
    """The row as it is in this transaction, bypassing the cache."""
    row = (await conn.execute(sa.select(*_COLUMNS).where(_a.c.id == account_id))).first()
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
