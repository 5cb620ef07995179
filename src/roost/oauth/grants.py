"""The token endpoint's grants: authorization code (with PKCE), password,
client credentials and refresh token; and token revocation."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa

from roost.db import schema
from roost.kernel.auth import hash_token
from roost.oauth.admin_scopes import ADMIN_SCOPES_REFUSED, has_admin_scopes, may_hold_scopes
from roost.oauth.apps import AppRecord
from roost.oauth.codes import redeem_authorization_code
from roost.oauth.entities import TokenForm
from roost.oauth.errors import OAuthError
from roost.oauth.login import authenticate_login
from roost.oauth.scopes import all_covered, parse_scopes, unknown_scopes
from roost.push.service import move_to_refreshed_token

if TYPE_CHECKING:
    from roost.oauth.tokens import IssuedToken
    from roost.services import Services

GRANT_TYPES = ("authorization_code", "password", "client_credentials", "refresh_token")


def requested_scopes(raw: str | None, *, allowed: list[str]) -> list[str]:
    """The scopes asked for (default ``read``); ``invalid_scope`` unless every one
    is known and covered by ``allowed``."""
    scopes = parse_scopes(raw)
    if unknown_scopes(scopes) or not all_covered(allowed, scopes):
        raise OAuthError("invalid_scope")
    return scopes


async def grant_token(
    services: Services, *, app: AppRecord, form: TokenForm, ip: str
) -> IssuedToken:
    """Issue a token for an authenticated client according to ``grant_type``."""
    if form.grant_type == "authorization_code":
        # The code carries the scopes the user approved; a differing ``scope``
        # parameter is ignored, as Mastodon does.
        return await redeem_authorization_code(
            services,
            app=app,
            code=form.code,
            redirect_uri=form.redirect_uri,
            code_verifier=form.code_verifier,
        )
    if form.grant_type == "password":
        return await _password_grant(services, app=app, form=form, ip=ip)
    if form.grant_type == "client_credentials":
        scopes = requested_scopes(form.scope, allowed=app.scopes)
        if has_admin_scopes(scopes):
            # An app token acts for no account, so for no admin.
            raise OAuthError("invalid_scope", ADMIN_SCOPES_REFUSED)
        async with services.db.write() as conn:
            return await services.tokens.issue(
                conn, app_id=app.id, account_id=None, scopes=" ".join(scopes), refreshable=False
            )
    if form.grant_type == "refresh_token":
        return await _refresh_grant(services, app=app, form=form)
    if not form.grant_type:
        raise OAuthError("invalid_request", "Missing required parameter: grant_type.")
    raise OAuthError("unsupported_grant_type")


async def _password_grant(
    services: Services, *, app: AppRecord, form: TokenForm, ip: str
) -> IssuedToken:
    if not form.username or not form.password:
        raise OAuthError("invalid_request", "Missing required parameter: username or password.")
    scopes = requested_scopes(form.scope, allowed=app.scopes)
    account_id = await authenticate_login(
        services, login=form.username, password=form.password, ip=ip
    )
    if account_id is None:
        raise OAuthError("invalid_grant", "Invalid username, email or password.")
    if not await may_hold_scopes(services, account_id=account_id, scopes=scopes):
        raise OAuthError("invalid_scope", ADMIN_SCOPES_REFUSED)
    async with services.db.write() as conn:
        return await services.tokens.issue(
            conn, app_id=app.id, account_id=account_id, scopes=" ".join(scopes)
        )


async def _refresh_grant(services: Services, *, app: AppRecord, form: TokenForm) -> IssuedToken:
    """Rotate: the old access and refresh tokens stop working, a new pair is issued."""
    if not form.refresh_token:
        raise OAuthError("invalid_request", "Missing required parameter: refresh_token.")
    t = schema.oauth_tokens
    async with services.db.write() as conn:
        row = (
            await conn.execute(
                sa.select(t.c.id, t.c.token_hash, t.c.app_id, t.c.account_id, t.c.scopes).where(
                    t.c.refresh_hash == hash_token(form.refresh_token), t.c.revoked_at.is_(None)
                )
            )
        ).first()
        if row is None or row.app_id != app.id:
            raise OAuthError("invalid_grant")
        original = str(row.scopes).split()
        scopes = requested_scopes(form.scope, allowed=original) if form.scope else original
        revoked = await conn.execute(
            t.update()
            .where(t.c.id == row.id, t.c.revoked_at.is_(None))
            .values(revoked_at=datetime.now(UTC))
        )
        if revoked.rowcount != 1:
            raise OAuthError("invalid_grant")
        issued = await services.tokens.issue(
            conn, app_id=app.id, account_id=row.account_id, scopes=" ".join(scopes)
        )
        new_id = (
            await conn.execute(
                sa.select(t.c.id).where(t.c.token_hash == hash_token(issued.access_token))
            )
        ).scalar_one()
        # The session goes on under the new token, and so do its pushes.
        await move_to_refreshed_token(
            conn,
            services,
            old_token_id=int(row.id),
            new_token_id=new_id,
            access_token=issued.access_token,
        )
    await services.tokens.forget(str(row.token_hash))
    return issued


async def revoke_token(services: Services, *, app: AppRecord, token: str | None) -> None:
    """Revoke an access or refresh token issued to ``app``; unknown tokens are
    ignored (RFC 7009), another app's token is ``unauthorized_client``."""
    if not token:
        raise OAuthError("unauthorized_client")
    token_hash = hash_token(token)
    t = schema.oauth_tokens
    async with services.db.read(primary=True) as conn:
        row = (
            await conn.execute(
                sa.select(t.c.token_hash, t.c.app_id).where(
                    sa.or_(t.c.token_hash == token_hash, t.c.refresh_hash == token_hash)
                )
            )
        ).first()
    if row is None:
        return
    if row.app_id != app.id:
        raise OAuthError("unauthorized_client")
    await services.tokens.revoke(str(row.token_hash))
