"""Authorization codes: issued by the authorize page, redeemed once for a token.

Only the code's SHA-256 is stored. A code lives ten minutes and is deleted
by the first redemption attempt that names the right client, whether that
attempt succeeds or not, so a leaked code cannot be tried twice.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import sqlalchemy as sa

from roost.db import schema
from roost.kernel.auth import hash_token
from roost.oauth.apps import AppRecord
from roost.oauth.errors import OAuthError
from roost.oauth.pkce import verifier_matches

if TYPE_CHECKING:
    from roost.oauth.tokens import IssuedToken
    from roost.services import Services

CODE_TTL = timedelta(minutes=10)


async def create_authorization_code(
    services: Services,
    *,
    app_id: int,
    account_id: int,
    redirect_uri: str,
    scopes: list[str],
    code_challenge: str | None,
    code_challenge_method: str | None,
) -> str:
    """Store a new single-use code for this grant and return it."""
    code = secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    c = schema.oauth_codes
    async with services.db.write() as conn:
        # Codes are short-lived; sweeping the expired ones here keeps the table tiny.
        await conn.execute(c.delete().where(c.c.expires_at < now))
        await conn.execute(
            c.insert().values(
                code_hash=hash_token(code),
                app_id=app_id,
                account_id=account_id,
                redirect_uri=redirect_uri,
                scopes=" ".join(scopes),
                code_challenge=code_challenge,
                code_challenge_method=code_challenge_method if code_challenge else None,
                expires_at=now + CODE_TTL,
            )
        )
    return code


def _as_utc(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes; they were written in UTC.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


async def redeem_authorization_code(
    services: Services,
    *,
    app: AppRecord,
    code: str | None,
    redirect_uri: str | None,
    code_verifier: str | None,
) -> IssuedToken:
    """Exchange a code for a user token; OAuth ``invalid_grant`` when the code is
    unknown, used, expired, for another client or redirect URI, or the PKCE
    verifier does not match."""
    if not code:
        raise OAuthError("invalid_request", "Missing required parameter: code.")
    c = schema.oauth_codes
    failure: OAuthError | None = None
    async with services.db.write() as conn:
        row = (await conn.execute(sa.select(c).where(c.c.code_hash == hash_token(code)))).first()
        if row is None or row.app_id != app.id:
            raise OAuthError("invalid_grant")
        deleted = await conn.execute(c.delete().where(c.c.code_hash == row.code_hash))
        if deleted.rowcount != 1:
            # Redeemed concurrently by another request.
            raise OAuthError("invalid_grant")
        wanted_redirect = redirect_uri or (
            app.redirect_uris[0] if len(app.redirect_uris) == 1 else ""
        )
        if _as_utc(row.expires_at) < datetime.now(UTC) or wanted_redirect != row.redirect_uri:
            failure = OAuthError("invalid_grant")
        elif row.code_challenge and not verifier_matches(
            code_verifier,
            challenge=row.code_challenge,
            method=row.code_challenge_method or "plain",
        ):
            failure = OAuthError("invalid_grant", "The code verifier does not match.")
        if failure is None:
            return await services.tokens.issue(
                conn, app_id=app.id, account_id=int(row.account_id), scopes=row.scopes
            )
    # Reached only on failure, after committing the code's deletion.
    assert failure is not None
    raise failure
