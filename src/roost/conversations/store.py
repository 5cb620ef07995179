"""Conversation rows: written by the fan-out job of a direct status, read
and changed by their owner."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from roost.db import schema
from roost.db.paging import newest_first, paged
from roost.kernel.paging import Page

if TYPE_CHECKING:
    from roost.services import Services

_c = schema.conversations


@dataclasses.dataclass(frozen=True, slots=True)
class ConversationRow:
    id: int
    account_id: int
    participant_ids: list[int]
    last_status_id: int
    unread: bool


def _row(r: sa.Row[tuple[object, ...]]) -> ConversationRow:
    m = r._mapping
    return ConversationRow(
        id=int(m["id"]),
        account_id=int(m["account_id"]),
        participant_ids=[int(i) for i in m["participant_ids"]],
        last_status_id=int(m["last_status_id"]),
        unread=bool(m["unread"]),
    )


async def record_direct(
    services: Services, *, status_id: int, author_id: int, receivers: Sequence[int]
) -> None:
    """Bring the conversation of every participant of a direct status up to
    it: unread for the receivers, read for the author. A status older than
    a conversation's last one leaves that one in place (jobs may run out of
    order)."""
    people = sorted({author_id, *receivers})
    dialect = sqlite if services.db.is_sqlite else postgresql
    async with services.db.write() as conn:
        for person in people:
            others = [p for p in people if p != person]
            stmt = dialect.insert(_c).values(
                id=services.ids.next_id(),
                account_id=person,
                participants_key=",".join(map(str, others)),
                participant_ids=others,
                last_status_id=status_id,
                unread=person != author_id,
            )
            newer = stmt.excluded.last_status_id > _c.c.last_status_id
            stmt = stmt.on_conflict_do_update(
                index_elements=[_c.c.account_id, _c.c.participants_key],
                set_={
                    "last_status_id": sa.case(
                        (newer, stmt.excluded.last_status_id), else_=_c.c.last_status_id
                    ),
                    "unread": sa.case((newer, stmt.excluded.unread), else_=_c.c.unread),
                },
            )
            await conn.execute(stmt)


async def page_of(services: Services, *, account_id: int, page: Page) -> list[ConversationRow]:
    """One page of the account's conversations, newest last status first."""
    query = sa.select(_c).where(_c.c.account_id == account_id)
    async with services.db.read(primary=True) as conn:
        rows = (await conn.execute(paged(query, _c.c.last_status_id, page))).all()
    return [_row(r) for r in newest_first(rows, page)]


async def get(
    services: Services, *, account_id: int, conversation_id: int
) -> ConversationRow | None:
    query = sa.select(_c).where(_c.c.id == conversation_id, _c.c.account_id == account_id)
    async with services.db.read(primary=True) as conn:
        row = (await conn.execute(query)).first()
    return None if row is None else _row(row)


async def by_last_status(
    services: Services, *, account_id: int, status_id: int
) -> ConversationRow | None:
    query = sa.select(_c).where(_c.c.account_id == account_id, _c.c.last_status_id == status_id)
    async with services.db.read(primary=True) as conn:
        row = (await conn.execute(query.limit(1))).first()
    return None if row is None else _row(row)


async def mark_read(services: Services, *, account_id: int, conversation_id: int) -> bool:
    async with services.db.write() as conn:
        result = await conn.execute(
            _c.update()
            .where(_c.c.id == conversation_id, _c.c.account_id == account_id)
            .values(unread=False)
        )
    return result.rowcount > 0


async def remove(services: Services, *, account_id: int, conversation_id: int) -> bool:
    async with services.db.write() as conn:
        result = await conn.execute(
            _c.delete().where(_c.c.id == conversation_id, _c.c.account_id == account_id)
        )
    return result.rowcount > 0
