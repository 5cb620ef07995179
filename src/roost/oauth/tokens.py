"""Access tokens: issue, resolve (cached) and revoke. Only hashes are stored."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import msgspec
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.db import schema
from roost.kernel.auth import Viewer, hash_token
from roost.kernel.cachekeys import token_key
from roost.oauth.admin_scopes import account_is_admin, has_admin_scopes, without_admin_scopes
from roost.streaming.events import REVOKED, publish, revoked_channel

if TYPE_CHECKING:
    from roost.services import Services

TOKEN_CACHE_TTL = 300


class IssuedToken(msgspec.Struct):
    access_token: str
    refresh_token: str | None
    scopes: str
    created_at: datetime


class _CachedViewer(msgspec.Struct, array_like=True):
    token_id: int
    app_id: int
    account_id: int | None
    scopes: list[str]


class TokenService:
    def __init__(self, services: Services) -> None:
        self._services = services

    async def viewer_for(self, token: str) -> Viewer | None:
        """Resolve a bearer token, from the cache when possible."""
        token_hash = hash_token(token)
        key = token_key(token_hash)
        cache = self._services.cache
        hit = (await cache.get_many([key])).get(key)
        if hit is not None:
            c = msgspec.msgpack.decode(hit, type=_CachedViewer)
            return Viewer(c.token_id, c.app_id, c.account_id, frozenset(c.scopes))
        t, a = schema.oauth_tokens, schema.accounts
        async with self._services.db.read(primary=True) as conn:
            row = (
                await conn.execute(
                    sa.select(
                        t.c.id,
                        t.c.app_id,
                        t.c.account_id,
                        t.c.scopes,
                        a.c.confirmed_at,
                        a.c.approved,
                    )
                    .select_from(t.outerjoin(a, a.c.id == t.c.account_id))
                    .where(t.c.token_hash == token_hash, t.c.revoked_at.is_(None))
                )
            ).first()
        if row is None:
            return None
        scopes = row.scopes.split()
        has_account = row.account_id is not None
        confirmed = not has_account or row.confirmed_at is not None
        approved = not has_account or bool(row.approved)
        # Only tokens of accounts in good standing are cached (a cached viewer
        # is always confirmed and approved): confirming or approving an account
        # then takes effect at once in every process, with nothing to invalidate.
        if confirmed and approved:
            packed = msgspec.msgpack.encode(
                _CachedViewer(row.id, row.app_id, row.account_id, scopes)
            )
            await cache.set_many({key: packed}, ttl=TOKEN_CACHE_TTL)
        return Viewer(row.id, row.app_id, row.account_id, frozenset(scopes), confirmed, approved)

    async def issue(
        self,
        conn: AsyncConnection,
        *,
        app_id: int,
        account_id: int | None,
        scopes: str,
        refreshable: bool = True,
    ) -> IssuedToken:
        """Create a token in the open transaction (with a refresh token unless
        ``refreshable`` is false, as for app-only tokens).

        Admin scopes are dropped unless the account is an admin: the last line
        of defence for every grant (roost.oauth.admin_scopes)."""
        if has_admin_scopes(scopes.split()) and not await account_is_admin(conn, account_id):
            scopes = " ".join(without_admin_scopes(scopes.split()))
        access = secrets.token_urlsafe(32)
        refresh = secrets.token_urlsafe(32) if refreshable else None
        now = datetime.now(UTC)
        await conn.execute(
            schema.oauth_tokens.insert().values(
                id=self._services.ids.next_id(),
                token_hash=hash_token(access),
                refresh_hash=hash_token(refresh) if refresh is not None else None,
                app_id=app_id,
                account_id=account_id,
                scopes=scopes,
                created_at=now,
            )
        )
        return IssuedToken(access, refresh, scopes, now)

    async def revoke(self, token_hash: str) -> None:
        """Revoke a token, then drop its cache entry once the revocation is committed."""
        t = schema.oauth_tokens
        async with self._services.db.write() as conn:
            await conn.execute(
                t.update()
                .where(t.c.token_hash == token_hash, t.c.revoked_at.is_(None))
                .values(revoked_at=datetime.now(UTC))
            )
            # Its Web Push subscription ends with it, as on Mastodon.
            p = schema.push_subscriptions
            await conn.execute(
                p.delete().where(
                    p.c.token_id.in_(sa.select(t.c.id).where(t.c.token_hash == token_hash))
                )
            )
        await self.forget(token_hash)

    async def forget(self, *token_hashes: str) -> None:
        """Drop cached viewers after their tokens' revocation was committed,
        and end the streams open with those tokens."""
        if token_hashes:
            await self._services.cache.delete(*(token_key(h) for h in token_hashes))
            await publish(self._services, REVOKED, 0, map(revoked_channel, token_hashes))
