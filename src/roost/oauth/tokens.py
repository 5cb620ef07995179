"""Access tokens: issue, resolve (cached) and revoke. Only hashes are stored."""

from __future__ import annotations

import logging
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
from roost.oauth.token_memo import TOKENS_CHANNEL, TokenMemo, revocation_message
from roost.streaming.events import REVOKED, publish, revoked_channel

if TYPE_CHECKING:
    from roost.services import Services

log = logging.getLogger("roost.oauth")

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


_decode_viewer = msgspec.msgpack.Decoder(_CachedViewer).decode


async def publish_revocation(services: Services, token_hashes: tuple[str, ...]) -> None:
    """Tell every process's token memo (best effort, like every event: a
    lost message leaves the memo's expiry as the bound)."""
    try:
        await services.events.publish(TOKENS_CHANNEL, revocation_message(token_hashes))
    except Exception as exc:  # the bus's own breaker logs outages
        log.warning("could not publish token revocations: %s: %s", type(exc).__name__, exc)


class TokenService:
    def __init__(self, services: Services) -> None:
        self._services = services
        # Resolved tokens for a few seconds in this process (token_memo).
        self.memo = TokenMemo(services.settings.token_memo_seconds)

    async def viewer_for(self, token: str) -> Viewer | None:
        """Resolve a bearer token: from the process's memo, else the shared
        cache, else the database."""
        memo = self.memo
        found = memo.get(token)
        if found is not None:
            return found
        generation = memo.generation
        token_hash = hash_token(token)
        key = token_key(token_hash)
        cache = self._services.cache
        hit = (await cache.get_many([key])).get(key)
        if hit is not None:
            c = _decode_viewer(hit)
            found = Viewer(c.token_id, c.app_id, c.account_id, frozenset(c.scopes))
            memo.put(token, token_hash, found, generation)
            return found
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
                        a.c.suspended_at,
                        a.c.disabled,
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
        disabled = has_account and (row.suspended_at is not None or bool(row.disabled))
        # Only tokens of accounts in good standing are cached (a cached viewer
        # is always confirmed and approved): confirming or approving an account
        # then takes effect at once in every process, with nothing to invalidate.
        # Suspending or disabling one drops its tokens' entries (forget_account).
        if confirmed and approved and not disabled:
            packed = msgspec.msgpack.encode(
                _CachedViewer(row.id, row.app_id, row.account_id, scopes)
            )
            await cache.set_many({key: packed}, ttl=TOKEN_CACHE_TTL)
        viewer = Viewer(
            row.id, row.app_id, row.account_id, frozenset(scopes), confirmed, approved, disabled
        )
        if confirmed and approved and not disabled:
            memo.put(token, token_hash, viewer, generation)
        return viewer

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

    async def forget_account(self, account_id: int) -> None:
        """Drop the cached viewers of every token of an account (after its
        suspension or disabling was committed) and end its streams."""
        t = schema.oauth_tokens
        async with self._services.db.read(primary=True) as conn:
            rows = (
                await conn.execute(sa.select(t.c.token_hash).where(t.c.account_id == account_id))
            ).all()
        await self.forget(*(str(r[0]) for r in rows))

    async def forget(self, *token_hashes: str) -> None:
        """Drop cached viewers after their tokens' revocation was committed,
        and end the streams open with those tokens.

        This process's memo first (the token stops working here at once),
        then the shared cache, then every other process's memo through the
        bus (within ``token_memo_seconds`` at worst: see token_memo)."""
        if token_hashes:
            self.memo.drop(token_hashes)
            services = self._services
            await services.cache.delete(*(token_key(h) for h in token_hashes))
            await publish_revocation(services, token_hashes)
            await publish(services, REVOKED, 0, map(revoked_channel, token_hashes))
