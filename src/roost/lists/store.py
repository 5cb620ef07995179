"""Lists in the database and the cache.

``lst:<list>`` holds a list with its members (what a warm list timeline
read needs: the owner, to check the reader, the replies policy and the
members, to merge hot accounts' posts) and ``lstx:<owner>`` the members of
the owner's exclusive lists (read with the home timeline's other filters).
Both are dropped after every committed change of the owner's lists and
after an unfollow (which takes the account out of the follower's lists).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import msgspec
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.db import schema
from roost.kernel.cachekeys import exclusive_members_key, list_key

if TYPE_CHECKING:
    from roost.services import Services

LIST_CACHE_TTL = 3600
FOLLOWED, LIST, NONE = "followed", "list", "none"
REPLIES_POLICIES = (FOLLOWED, LIST, NONE)

_l, _la = schema.lists, schema.list_accounts


class ListRecord(msgspec.Struct, array_like=True):
    id: int
    owner_id: int
    title: str
    replies_policy: str
    exclusive: bool
    members: list[int]


_record_decoder = msgspec.msgpack.Decoder(ListRecord)
_ids_decoder = msgspec.msgpack.Decoder(list[int])
_encoder = msgspec.msgpack.Encoder()


async def query_lists(conn: AsyncConnection, list_ids: Sequence[int]) -> dict[int, ListRecord]:
    """Lists with their members: two queries."""
    if not list_ids:
        return {}
    rows = (await conn.execute(sa.select(_l).where(_l.c.id.in_(list_ids)))).all()
    found = {
        int(r.id): ListRecord(
            int(r.id), int(r.account_id), str(r.title), str(r.replies_policy), bool(r.exclusive), []
        )
        for r in rows
    }
    if found:
        members = await conn.execute(
            sa.select(_la.c.list_id, _la.c.account_id)
            .where(_la.c.list_id.in_(list(found)))
            .order_by(_la.c.id)
        )
        for list_id, account_id in members:
            found[int(list_id)].members.append(int(account_id))
    return found


async def load_list(services: Services, list_id: int) -> ListRecord | None:
    """A list and its members: one cache round trip when warm."""
    key = list_key(list_id)
    raw = (await services.cache.get_many([key])).get(key)
    if raw is not None:
        return _record_decoder.decode(raw)
    async with services.db.read(primary=True) as conn:
        record = (await query_lists(conn, [list_id])).get(list_id)
    if record is not None:
        await services.cache.set_many({key: _encoder.encode(record)}, ttl=LIST_CACHE_TTL)
    return record


async def owner_lists(conn: AsyncConnection, owner_id: int) -> list[ListRecord]:
    """The owner's lists with their members, in creation order."""
    ids = await conn.execute(
        sa.select(_l.c.id).where(_l.c.account_id == owner_id).order_by(_l.c.id)
    )
    found = await query_lists(conn, [int(r[0]) for r in ids])
    return sorted(found.values(), key=lambda r: r.id)


async def load_exclusive_members(services: Services, owner_id: int) -> frozenset[int]:
    """Accounts in the owner's exclusive lists (cached)."""
    key = exclusive_members_key(owner_id)
    raw = (await services.cache.get_many([key])).get(key)
    if raw is not None:
        return frozenset(_ids_decoder.decode(raw))
    query = (
        sa.select(_la.c.account_id)
        .distinct()
        .join(_l, _l.c.id == _la.c.list_id)
        .where(_l.c.account_id == owner_id, _l.c.exclusive)
    )
    async with services.db.read(primary=True) as conn:
        ids = [int(r[0]) for r in (await conn.execute(query)).all()]
    await services.cache.set_many({key: _encoder.encode(ids)}, ttl=LIST_CACHE_TTL)
    return frozenset(ids)


def decode_exclusive_members(raw: bytes) -> frozenset[int]:
    return frozenset(_ids_decoder.decode(raw))


async def forget_lists(services: Services, owner_id: int, list_ids: Iterable[int]) -> None:
    """Drop the cached lists (and the owner's exclusive members)."""
    await services.cache.delete(exclusive_members_key(owner_id), *(list_key(i) for i in list_ids))


@dataclasses.dataclass(frozen=True, slots=True)
class ListTarget:
    """A list that may receive a status in fan-out."""

    id: int
    owner_id: int
    replies_policy: str
    exclusive: bool


async def lists_holding(
    conn: AsyncConnection, member_id: int, owner_ids: Sequence[int]
) -> list[ListTarget]:
    """The lists of ``owner_ids`` that hold ``member_id``: one query."""
    if not owner_ids:
        return []
    rows = await conn.execute(
        sa.select(_l.c.id, _l.c.account_id, _l.c.replies_policy, _l.c.exclusive)
        .join(_la, _la.c.list_id == _l.c.id)
        .where(_la.c.account_id == member_id, _la.c.owner_id.in_(owner_ids))
    )
    return [ListTarget(int(r[0]), int(r[1]), str(r[2]), bool(r[3])) for r in rows]


async def lists_of_members(
    conn: AsyncConnection, member_ids: Sequence[int]
) -> list[tuple[int, ListTarget]]:
    """(member, list) for every list that holds one of ``member_ids``,
    whoever owns it (the ``account_id`` index): a fan-out keeps the lists
    of its receivers without sending the query a list of them."""
    if not member_ids:
        return []
    rows = await conn.execute(
        sa.select(_la.c.account_id, _l.c.id, _l.c.account_id, _l.c.replies_policy, _l.c.exclusive)
        .join(_la, _la.c.list_id == _l.c.id)
        .where(_la.c.account_id.in_(member_ids))
    )
    return [(int(r[0]), ListTarget(int(r[1]), int(r[2]), str(r[3]), bool(r[4]))) for r in rows]


async def members_among(
    conn: AsyncConnection, list_ids: Sequence[int], account_id: int
) -> set[int]:
    """Which of ``list_ids`` hold ``account_id``."""
    if not list_ids:
        return set()
    rows = await conn.execute(
        sa.select(_la.c.list_id).where(_la.c.list_id.in_(list_ids), _la.c.account_id == account_id)
    )
    return {int(r[0]) for r in rows}


async def remove_member_from_owner_lists(
    conn: AsyncConnection, owner_id: int, member_id: int
) -> list[int]:
    """Take ``member_id`` out of every list of ``owner_id`` (an unfollow);
    the ids of the lists it left."""
    rows = await conn.execute(
        _la.delete()
        .where(_la.c.account_id == member_id, _la.c.owner_id == owner_id)
        .returning(_la.c.list_id)
    )
    return [int(r[0]) for r in rows]
