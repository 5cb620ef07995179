"""Paged account lists of the graph: followers, following, blocks, mutes
(follow requests: ``requests``); and the batched relationships lookup."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import TYPE_CHECKING

import sqlalchemy as sa

from roost.accounts.entities import Account
from roost.accounts.serializers import serialize_account
from roost.accounts.store import load_account, load_accounts
from roost.db import schema
from roost.db.paging import newest_first, paged
from roost.kernel.errors import NotFound
from roost.kernel.idtext import parse_id
from roost.kernel.paging import Page
from roost.relationships.entities import Relationship
from roost.relationships.store import load_links, load_pair_states, relationship_entity

if TYPE_CHECKING:
    from roost.services import Services

_f, _b, _m = schema.follows, schema.blocks, schema.mutes

# Mastodon answers at most this many ids per relationships request in practice;
# a cap keeps a single request from asking for the whole user base.
MAX_RELATIONSHIP_IDS = 200


@dataclasses.dataclass(frozen=True, slots=True)
class AccountPage:
    """Accounts of one page, and the row ids (follows.id, blocks.id...) that
    page them: the Link header is built from ``cursor_ids``."""

    accounts: list[Account]
    cursor_ids: list[int]


async def account_page(
    services: Services, table: sa.Table, *, key: str, owner_id: int, other: str, page: Page
) -> AccountPage:
    """The accounts in column ``other`` of ``table``'s rows whose ``key`` is
    ``owner_id``, newest row first, paged by the row id."""
    query = sa.select(table.c.id, table.c[other]).where(table.c[key] == owner_id)
    async with services.db.read(primary=True) as conn:
        rows = newest_first((await conn.execute(paged(query, table.c.id, page))).all(), page)
    records = await load_accounts(services, (int(r[1]) for r in rows))
    settings = services.settings
    return AccountPage(
        accounts=[
            serialize_account(settings, records[r[1]])
            for r in rows
            if r[1] in records and not records[r[1]].suspended
        ],
        cursor_ids=[int(r[0]) for r in rows],
    )


async def _visible_account(services: Services, account_id: int, viewer_id: int | None) -> bool:
    """404 for unknown accounts; False when the account blocks the viewer, whose
    lists of it are then empty (as Mastodon hides them)."""
    if await load_account(services, account_id) is None:
        raise NotFound()
    if viewer_id is None or viewer_id == account_id:
        return True
    return account_id not in (await load_links(services, viewer_id, [account_id])).blocked_by


async def list_followers(
    services: Services, *, account_id: int, viewer_id: int | None, page: Page
) -> AccountPage:
    """Accounts following ``account_id``, most recent follow first."""
    if not await _visible_account(services, account_id, viewer_id):
        return AccountPage([], [])
    return await account_page(
        services, _f, key="target_account_id", owner_id=account_id, other="account_id", page=page
    )


async def list_following(
    services: Services, *, account_id: int, viewer_id: int | None, page: Page
) -> AccountPage:
    """Accounts ``account_id`` follows, most recent follow first."""
    if not await _visible_account(services, account_id, viewer_id):
        return AccountPage([], [])
    return await account_page(
        services, _f, key="account_id", owner_id=account_id, other="target_account_id", page=page
    )


async def list_blocks(services: Services, *, account_id: int, page: Page) -> AccountPage:
    """Accounts ``account_id`` blocks, most recent first."""
    return await account_page(
        services, _b, key="account_id", owner_id=account_id, other="target_account_id", page=page
    )


async def list_mutes(services: Services, *, account_id: int, page: Page) -> AccountPage:
    """Accounts ``account_id`` mutes, most recent first."""
    return await account_page(
        services, _m, key="account_id", owner_id=account_id, other="target_account_id", page=page
    )


async def get_relationships(
    services: Services,
    *,
    viewer_id: int,
    account_ids: Iterable[str],
    with_suspended: bool = False,
) -> list[Relationship]:
    """Relationships with each existing account among ``account_ids`` (request
    order, duplicates and unknown or malformed ids left out; suspended
    accounts too unless ``with_suspended``)."""
    wanted = [i for i in map(parse_id, account_ids) if i is not None]
    wanted = list(dict.fromkeys(wanted))[:MAX_RELATIONSHIP_IDS]
    existing = await load_accounts(services, wanted)
    targets = [i for i in wanted if i in existing and (with_suspended or not existing[i].suspended)]
    states = await load_pair_states(services, viewer_id, targets)
    return [relationship_entity(t, states[t]) for t in targets]
