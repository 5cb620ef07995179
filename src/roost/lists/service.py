"""List use cases: create, rename, delete, add and remove members.

Every change commits first, then drops what the cache holds of the owner's
lists. A change of members also drops the list's timeline (rebuilt from the
database on its next read, so it holds exactly the members' posts), and for
an exclusive list the owner's home timeline (rebuilt without them, or with
them again).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa

from roost.accounts.store import load_accounts
from roost.db import schema
from roost.kernel.cachekeys import home_key, list_timeline_key
from roost.kernel.errors import NotFound, ValidationFailed
from roost.kernel.paging import Page
from roost.lists.entities import List
from roost.lists.store import (
    LIST,
    REPLIES_POLICIES,
    ListRecord,
    forget_lists,
    load_list,
    owner_lists,
)
from roost.relationships.lists import AccountPage, account_page

if TYPE_CHECKING:
    from roost.services import Services

# Mastodon's limits: lists per account; and members per list (a list's
# members are cached with it, read on every list timeline page).
MAX_LISTS = 50
MAX_MEMBERS = 1000
MAX_TITLE = 255

_l, _la, _f = schema.lists, schema.list_accounts, schema.follows


def list_entity(record: ListRecord) -> List:
    return List(
        id=str(record.id),
        title=record.title,
        replies_policy=record.replies_policy,
        exclusive=record.exclusive,
    )


def _title(title: str | None, *, required: bool) -> str | None:
    if title is None:
        if required:
            raise ValidationFailed("Title can't be blank")
        return None
    title = title.strip()
    if not title:
        raise ValidationFailed("Title can't be blank")
    if len(title) > MAX_TITLE:
        raise ValidationFailed(f"Title is too long (maximum is {MAX_TITLE} characters)")
    return title


def _policy(value: str | None) -> str | None:
    if value is not None and value not in REPLIES_POLICIES:
        raise ValidationFailed("Replies policy must be one of followed, list, none")
    return value


async def owned_list(services: Services, *, owner_id: int, list_id: int) -> ListRecord:
    """The list when the caller owns it; 404 otherwise (as for a missing one)."""
    record = await load_list(services, list_id)
    if record is None or record.owner_id != owner_id:
        raise NotFound()
    return record


async def get_lists(services: Services, *, owner_id: int) -> list[List]:
    async with services.db.read(primary=True) as conn:
        return [list_entity(r) for r in await owner_lists(conn, owner_id)]


async def get_list(services: Services, *, owner_id: int, list_id: int) -> List:
    return list_entity(await owned_list(services, owner_id=owner_id, list_id=list_id))


async def create_list(
    services: Services,
    *,
    owner_id: int,
    title: str | None,
    replies_policy: str | None,
    exclusive: bool | None,
) -> List:
    name = _title(title, required=True)
    assert name is not None
    policy = _policy(replies_policy) or LIST
    list_id = services.ids.next_id()
    async with services.db.write() as conn:
        count = (
            await conn.execute(
                sa.select(sa.func.count()).select_from(_l).where(_l.c.account_id == owner_id)
            )
        ).scalar_one()
        if count >= MAX_LISTS:
            raise ValidationFailed(f"You cannot have more than {MAX_LISTS} lists")
        await conn.execute(
            _l.insert().values(
                id=list_id,
                account_id=owner_id,
                title=name,
                replies_policy=policy,
                exclusive=bool(exclusive),
                created_at=datetime.now(UTC),
            )
        )
    await forget_lists(services, owner_id, [list_id])
    return list_entity(ListRecord(list_id, owner_id, name, policy, bool(exclusive), []))


async def update_list(
    services: Services,
    *,
    owner_id: int,
    list_id: int,
    title: str | None,
    replies_policy: str | None,
    exclusive: bool | None,
) -> List:
    name = _title(title, required=False)
    policy = _policy(replies_policy)
    record = await owned_list(services, owner_id=owner_id, list_id=list_id)
    changes: dict[str, object] = {}
    if name is not None:
        changes["title"] = name
    if policy is not None:
        changes["replies_policy"] = policy
    if exclusive is not None:
        changes["exclusive"] = exclusive
    if changes:
        async with services.db.write() as conn:
            result = await conn.execute(
                _l.update().where(_l.c.id == list_id, _l.c.account_id == owner_id).values(**changes)
            )
            if result.rowcount == 0:
                raise NotFound()
        await forget_lists(services, owner_id, [list_id])
        if policy is not None and policy != record.replies_policy:
            await services.timelines.drop(list_timeline_key(list_id))
        if exclusive is not None and exclusive != record.exclusive and record.members:
            await services.timelines.drop(home_key(owner_id))
    return list_entity(await owned_list(services, owner_id=owner_id, list_id=list_id))


async def delete_list(services: Services, *, owner_id: int, list_id: int) -> None:
    record = await owned_list(services, owner_id=owner_id, list_id=list_id)
    async with services.db.write() as conn:
        await conn.execute(_la.delete().where(_la.c.list_id == list_id))
        await conn.execute(_l.delete().where(_l.c.id == list_id, _l.c.account_id == owner_id))
    await forget_lists(services, owner_id, [list_id])
    await services.timelines.drop(list_timeline_key(list_id))
    if record.exclusive and record.members:
        await services.timelines.drop(home_key(owner_id))


async def list_members(
    services: Services, *, owner_id: int, list_id: int, page: Page
) -> AccountPage:
    await owned_list(services, owner_id=owner_id, list_id=list_id)
    return await account_page(
        services, _la, key="list_id", owner_id=list_id, other="account_id", page=page
    )


async def _after_members_changed(services: Services, record: ListRecord) -> None:
    await forget_lists(services, record.owner_id, [record.id])
    await services.timelines.drop(list_timeline_key(record.id))
    if record.exclusive:
        await services.timelines.drop(home_key(record.owner_id))


async def add_members(
    services: Services, *, owner_id: int, list_id: int, account_ids: Sequence[int]
) -> None:
    """Add accounts the owner follows; 404 for unknown accounts, 422 for one
    not followed or already in the list (nothing is added then)."""
    record = await owned_list(services, owner_id=owner_id, list_id=list_id)
    wanted = list(dict.fromkeys(account_ids))
    if not wanted:
        raise ValidationFailed("account_ids can't be blank")
    if len(wanted) > MAX_MEMBERS:
        raise ValidationFailed(f"A list holds at most {MAX_MEMBERS} accounts")
    existing = await load_accounts(services, wanted)
    if any(a not in existing for a in wanted):
        raise NotFound()
    async with services.db.write() as conn:
        followed = {
            int(r[0])
            for r in await conn.execute(
                sa.select(_f.c.target_account_id).where(
                    _f.c.account_id == owner_id, _f.c.target_account_id.in_(wanted)
                )
            )
        }
        if any(a not in followed for a in wanted):
            raise ValidationFailed("You must follow an account to add it to a list")
        present = {
            int(r[0])
            for r in await conn.execute(
                sa.select(_la.c.account_id).where(
                    _la.c.list_id == list_id, _la.c.account_id.in_(wanted)
                )
            )
        }
        if present:
            raise ValidationFailed("Account has already been taken")
        count = (
            await conn.execute(
                sa.select(sa.func.count()).select_from(_la).where(_la.c.list_id == list_id)
            )
        ).scalar_one()
        if count + len(wanted) > MAX_MEMBERS:
            raise ValidationFailed(f"A list holds at most {MAX_MEMBERS} accounts")
        now = datetime.now(UTC)
        rows = [
            {
                "list_id": list_id,
                "account_id": a,
                "owner_id": owner_id,
                "id": services.ids.next_id(),
                "created_at": now,
            }
            for a in wanted
        ]
        try:
            async with conn.begin_nested():
                await conn.execute(_la.insert(), rows)
        except sa.exc.IntegrityError:  # the same account added at the same moment
            raise ValidationFailed("Account has already been taken") from None
    await _after_members_changed(services, record)


async def remove_members(
    services: Services, *, owner_id: int, list_id: int, account_ids: Sequence[int]
) -> None:
    record = await owned_list(services, owner_id=owner_id, list_id=list_id)
    wanted = list(dict.fromkeys(account_ids))
    if not wanted:
        return
    async with services.db.write() as conn:
        await conn.execute(
            _la.delete().where(_la.c.list_id == list_id, _la.c.account_id.in_(wanted))
        )
    await _after_members_changed(services, record)


async def lists_with_account(services: Services, *, owner_id: int, account_id: int) -> list[List]:
    """The owner's lists that hold ``account_id`` (404 for an unknown account)."""
    if not await load_accounts(services, [account_id]):
        raise NotFound()
    async with services.db.read(primary=True) as conn:
        rows = await conn.execute(
            sa.select(_l.c.id)
            .join(_la, _la.c.list_id == _l.c.id)
            .where(_l.c.account_id == owner_id, _la.c.account_id == account_id)
            .order_by(_l.c.id)
        )
        ids = [int(r[0]) for r in rows]
    found = []
    for list_id in ids:
        record = await load_list(services, list_id)
        if record is not None:
            found.append(list_entity(record))
    return found
