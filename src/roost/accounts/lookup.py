"""Finding accounts by name: ``lookup`` (exact) and ``search`` (prefix)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa

from roost.accounts.records import AccountRecord
from roost.accounts.store import load_account, load_accounts
from roost.accounts.validation import USERNAME_RE
from roost.db import schema
from roost.kernel.cachekeys import username_key

if TYPE_CHECKING:
    from roost.services import Services

# Usernames never change, so the name -> id mapping can live long in the cache.
USERNAME_CACHE_TTL = 3600
MAX_SEARCH_LIMIT = 80
MAX_QUERY_CHARS = 100


async def forget_username(services: Services, username: str) -> None:
    """Drop the cached name -> id entry after the account was deleted."""
    await services.cache.delete(username_key(username))


def local_username(acct: str, *, domain: str) -> str | None:
    """``name``, ``@name`` or ``name@<our domain>`` -> ``name``; None otherwise."""
    name, _, host = acct.strip().lstrip("@").partition("@")
    if host and host.lower() != domain.lower():
        return None
    return name if USERNAME_RE.fullmatch(name) else None


async def lookup_account(services: Services, *, acct: str) -> AccountRecord | None:
    """The local account named by ``acct``, or None."""
    username = local_username(acct, domain=services.settings.domain)
    if username is None:
        return None
    key = username_key(username)
    hit = (await services.cache.get_many([key])).get(key)
    if hit is not None:
        return await load_account(services, int(hit))
    a = schema.accounts
    async with services.db.read() as conn:
        row = (
            await conn.execute(sa.select(a.c.id).where(a.c.username_key == username.lower()))
        ).first()
    if row is None:
        return None
    await services.cache.set_many({key: str(row.id).encode()}, ttl=USERNAME_CACHE_TTL)
    return await load_account(services, int(row.id))


def _like_prefix(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped + "%"


async def search_accounts(
    services: Services,
    *,
    query: str,
    limit: int = 40,
    offset: int = 0,
    following_of: int | None = None,
) -> list[AccountRecord]:
    """Accounts whose username or display name starts with ``query``, exact
    username first, then by follower count.

    A plain prefix scan: the search domain's indexes serve ``/api/v2/search``
    at scale; this endpoint only backs small "who is this" lookups."""
    text = query.strip().lstrip("@").split("@", 1)[0].strip().lower()[:MAX_QUERY_CHARS]
    if not text:
        return []
    limit = max(1, min(limit, MAX_SEARCH_LIMIT))
    offset = max(0, min(offset, 10_000))
    a = schema.accounts
    pattern = _like_prefix(text)
    select = (
        sa.select(a.c.id)
        .where(
            sa.or_(
                a.c.username_key.like(pattern, escape="\\"),
                sa.func.lower(a.c.display_name).like(pattern, escape="\\"),
            )
        )
        .order_by(
            sa.case((a.c.username_key == text, 0), else_=1),
            a.c.followers_count.desc(),
            a.c.id,
        )
        .limit(limit)
        .offset(offset)
    )
    # Sign-ups waiting for confirmation or approval are not found, nor are
    # suspended accounts (Mastodon).
    select = select.where(a.c.approved.is_(True), a.c.suspended_at.is_(None))
    if services.settings.email_confirmation_required:
        select = select.where(a.c.confirmed_at.is_not(None))
    if following_of is not None:
        f = schema.follows
        select = select.where(
            a.c.id.in_(sa.select(f.c.target_account_id).where(f.c.account_id == following_of))
        )
    async with services.db.read() as conn:
        ids = [int(row.id) for row in (await conn.execute(select)).all()]
    found = await load_accounts(services, ids)
    return [found[i] for i in ids if i in found]
