"""The softer parts of the graph: endorsements (accounts featured on one's
profile), domain blocks, follow suggestions and familiar followers.

Domain blocks are only stored: Roost does not federate, so every account is
local and a blocked domain hides nothing. They are kept so clients that
manage them (and a future federation) find the list as it was left.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.accounts.entities import Account
from roost.accounts.serializers import serialize_account
from roost.accounts.store import load_accounts
from roost.db import schema
from roost.db.paging import newest_first, paged
from roost.kernel.errors import NotFound, ValidationFailed
from roost.kernel.idtext import parse_id
from roost.kernel.paging import Page
from roost.relationships.edges import (
    Outcome,
    delete_pair,
    finish,
    has_edge,
    insert_ignore,
    lock_pair,
)
from roost.relationships.entities import Relationship
from roost.relationships.lists import AccountPage, account_page

if TYPE_CHECKING:
    from roost.services import Services

_a, _f, _b, _m = schema.accounts, schema.follows, schema.blocks, schema.mutes
_e, _d, _sd = schema.endorsements, schema.domain_blocks, schema.suggestion_dismissals

# As Mastodon: how many accounts one may feature.
MAX_ENDORSEMENTS = 20
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9-]{1,63}$")


# -- endorsements ------------------------------------------------------------


async def endorse(services: Services, *, account_id: int, target_id: int) -> Relationship:
    """Feature ``target_id`` on the caller's profile; only a followed account
    may be (422 otherwise, as Mastodon)."""
    outcome = Outcome()
    async with services.db.write() as conn:
        await lock_pair(services, conn, account_id, target_id)
        if not await has_edge(conn, _f, account_id, target_id):
            raise ValidationFailed("You must be following this account to endorse it")
        count = (
            await conn.execute(
                sa.select(sa.func.count()).select_from(_e).where(_e.c.account_id == account_id)
            )
        ).scalar_one()
        if count >= MAX_ENDORSEMENTS and not await has_edge(conn, _e, account_id, target_id):
            raise ValidationFailed(f"You can feature at most {MAX_ENDORSEMENTS} accounts")
        outcome.changed = await insert_ignore(
            services,
            conn,
            _e,
            {
                "account_id": account_id,
                "target_account_id": target_id,
                "id": services.ids.next_id(),
                "created_at": datetime.now(UTC),
            },
        )
    return await finish(services, account_id, target_id, outcome)


async def unendorse(services: Services, *, account_id: int, target_id: int) -> Relationship:
    outcome = Outcome()
    async with services.db.write() as conn:
        await lock_pair(services, conn, account_id, target_id)
        outcome.changed = await delete_pair(conn, _e, account_id, target_id)
    return await finish(services, account_id, target_id, outcome)


async def list_endorsements(services: Services, *, account_id: int, page: Page) -> AccountPage:
    """Accounts ``account_id`` features, most recent first."""
    return await account_page(
        services, _e, key="account_id", owner_id=account_id, other="target_account_id", page=page
    )


async def endorsed_by(services: Services, *, account_id: int) -> list[Account]:
    """The accounts ``account_id`` features (its profile's list, unpaged)."""
    found = await list_endorsements(
        services, account_id=account_id, page=Page(limit=MAX_ENDORSEMENTS)
    )
    return found.accounts


# -- domain blocks -----------------------------------------------------------


def _domain(text: str) -> str:
    domain = text.strip().lower().removeprefix("https://").removeprefix("http://").rstrip("/")
    if not _DOMAIN.match(domain):
        raise ValidationFailed(
            "domain is not a domain name",
            details={"domain": [{"error": "ERR_INVALID", "description": "is not a domain name"}]},
        )
    return domain


async def block_domain(services: Services, *, account_id: int, domain: str) -> None:
    name = _domain(domain)
    if name == services.settings.domain:
        raise ValidationFailed("you cannot block this server's own domain")
    async with services.db.write() as conn:
        await insert_ignore_domain(services, conn, account_id, name)


async def insert_ignore_domain(
    services: Services, conn: AsyncConnection, account_id: int, name: str
) -> None:
    exists = (
        await conn.execute(
            sa.select(_d.c.id).where(_d.c.account_id == account_id, _d.c.domain == name)
        )
    ).first()
    if exists is None:
        await conn.execute(
            _d.insert().values(
                account_id=account_id,
                domain=name,
                id=services.ids.next_id(),
                created_at=datetime.now(UTC),
            )
        )


async def unblock_domain(services: Services, *, account_id: int, domain: str) -> None:
    name = _domain(domain)
    async with services.db.write() as conn:
        await conn.execute(_d.delete().where(_d.c.account_id == account_id, _d.c.domain == name))


@dataclasses.dataclass(frozen=True, slots=True)
class DomainPage:
    domains: list[str]
    cursor_ids: list[int]


async def list_domain_blocks(services: Services, *, account_id: int, page: Page) -> DomainPage:
    query = sa.select(_d.c.id, _d.c.domain).where(_d.c.account_id == account_id)
    async with services.db.read(primary=True) as conn:
        rows = newest_first((await conn.execute(paged(query, _d.c.id, page))).all(), page)
    return DomainPage([str(r.domain) for r in rows], [int(r.id) for r in rows])


# -- suggestions -------------------------------------------------------------

# Why an account is suggested, in Mastodon's words (v2 suggestions).
FRIENDS_OF_FRIENDS = "friends_of_friends"
GLOBAL = "global"


@dataclasses.dataclass(frozen=True, slots=True)
class Suggestion:
    source: str
    account: Account


async def _not_suggested(conn: AsyncConnection, account_id: int) -> set[int]:
    """The caller, and whom the caller follows, blocks, mutes, is blocked by,
    has asked to follow or dismissed."""
    r = schema.follow_requests
    query = sa.union(
        sa.select(_f.c.target_account_id).where(_f.c.account_id == account_id),
        sa.select(_b.c.target_account_id).where(_b.c.account_id == account_id),
        sa.select(_b.c.account_id).where(_b.c.target_account_id == account_id),
        sa.select(_m.c.target_account_id).where(_m.c.account_id == account_id),
        sa.select(r.c.target_account_id).where(r.c.account_id == account_id),
        sa.select(_sd.c.target_account_id).where(_sd.c.account_id == account_id),
    )
    return {int(row[0]) for row in (await conn.execute(query)).all()} | {account_id}


def _visible() -> sa.ColumnElement[bool]:
    """Accounts that may be suggested: listed, discoverable, in good standing."""
    return sa.and_(
        _a.c.discoverable.is_(True),
        _a.c.approved.is_(True),
        _a.c.suspended_at.is_(None),
        _a.c.silenced_at.is_(None),
    )


async def suggestions(services: Services, *, account_id: int, limit: int) -> list[Suggestion]:
    """Accounts to follow: first those followed by the accounts the caller
    follows (most shared first), then the most followed ones; never one the
    caller follows, blocks, mutes or dismissed."""
    theirs = _f.alias("theirs")
    async with services.db.read(primary=True) as conn:
        skip = await _not_suggested(conn, account_id)
        shared = sa.func.count().label("shared")
        fof = (
            sa.select(theirs.c.target_account_id, shared)
            .select_from(
                _f.join(theirs, theirs.c.account_id == _f.c.target_account_id).join(
                    _a, _a.c.id == theirs.c.target_account_id
                )
            )
            .where(_f.c.account_id == account_id, _visible())
            .group_by(theirs.c.target_account_id)
            .order_by(shared.desc(), theirs.c.target_account_id)
            .limit(limit + len(skip))
        )
        picked: dict[int, str] = {}
        for row in (await conn.execute(fof)).all():
            if int(row[0]) not in skip and len(picked) < limit:
                picked[int(row[0])] = FRIENDS_OF_FRIENDS
        if len(picked) < limit:
            popular = (
                sa.select(_a.c.id)
                .where(_visible(), _a.c.followers_count > 0)
                .order_by(_a.c.followers_count.desc(), _a.c.id)
                .limit(limit + len(skip) + len(picked))
            )
            for row in (await conn.execute(popular)).all():
                if int(row[0]) not in skip and len(picked) < limit:
                    picked.setdefault(int(row[0]), GLOBAL)
    records = await load_accounts(services, picked)
    settings = services.settings
    return [
        Suggestion(source, serialize_account(settings, records[i]))
        for i, source in picked.items()
        if i in records
    ]


async def dismiss_suggestion(services: Services, *, account_id: int, target_id: int) -> None:
    """Never suggest ``target_id`` to the caller again (404 for an unknown account)."""
    if target_id not in await load_accounts(services, [target_id]):
        raise NotFound()
    async with services.db.write() as conn:
        exists = (
            await conn.execute(
                sa.select(_sd.c.account_id).where(
                    _sd.c.account_id == account_id, _sd.c.target_account_id == target_id
                )
            )
        ).first()
        if exists is None:
            await conn.execute(
                _sd.insert().values(
                    account_id=account_id, target_account_id=target_id, created_at=datetime.now(UTC)
                )
            )


# -- familiar followers ------------------------------------------------------

# How many familiar followers are shown per account (Mastodon shows a few).
FAMILIAR_LIMIT = 10


async def familiar_followers(
    services: Services, *, viewer_id: int, account_ids: Iterable[str]
) -> list[tuple[str, list[Account]]]:
    """For each account among ``account_ids``: the accounts the viewer follows
    that follow it too."""
    wanted = list(dict.fromkeys(i for i in map(parse_id, account_ids) if i is not None))[:40]
    mine = _f.alias("mine")
    found: dict[int, list[int]] = {i: [] for i in wanted}
    if wanted:
        query = (
            sa.select(_f.c.target_account_id, _f.c.account_id)
            .join(mine, mine.c.target_account_id == _f.c.account_id)
            .where(mine.c.account_id == viewer_id, _f.c.target_account_id.in_(wanted))
            .order_by(_f.c.target_account_id, _f.c.id.desc())
        )
        async with services.db.read(primary=True) as conn:
            for target, follower in (await conn.execute(query)).all():
                if len(found[int(target)]) < FAMILIAR_LIMIT:
                    found[int(target)].append(int(follower))
    records = await load_accounts(services, {f for fs in found.values() for f in fs})
    settings = services.settings
    return [
        (
            str(i),
            [
                serialize_account(settings, records[f])
                for f in found[i]
                if f in records and not records[f].suspended
            ],
        )
        for i in wanted
    ]
