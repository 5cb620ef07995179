"""OAuth client applications: registration and client authentication.

The client secret is a random 256-bit string shown once at registration;
only its SHA-256 is stored, like access tokens.
"""

from __future__ import annotations

import hmac
import re
import secrets
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import msgspec
import sqlalchemy as sa

from roost.accounts.validation import strip_control_chars
from roost.db import schema
from roost.kernel.auth import hash_token
from roost.kernel.errors import ValidationFailed
from roost.oauth.errors import OAuthError
from roost.oauth.redirects import redirect_uri_problem
from roost.oauth.scopes import parse_scopes, unknown_scopes

if TYPE_CHECKING:
    from roost.services import Services

MAX_NAME = 200
MAX_WEBSITE = 500
MAX_REDIRECT_URIS_CHARS = 4000


class AppRecord(msgspec.Struct, frozen=True):
    id: int
    name: str
    website: str | None
    redirect_uris: list[str]
    scopes: list[str]
    client_id: str


class RegisteredApp(msgspec.Struct, frozen=True):
    app: AppRecord
    client_secret: str


def _split_redirect_uris(raw: str | Sequence[str] | None) -> list[str]:
    items = [raw] if raw is None or isinstance(raw, str) else list(raw)
    uris: list[str] = []
    for item in items:
        uris.extend(line.strip() for line in (item or "").splitlines() if line.strip())
    return list(dict.fromkeys(uris))


def _invalid(message: str) -> ValidationFailed:
    return ValidationFailed(message)


async def register_app(
    services: Services,
    *,
    name: str,
    redirect_uris: str | Sequence[str] | None,
    scopes: str | Sequence[str] | None,
    website: str | None,
) -> RegisteredApp:
    """Register a client app; 422 for a blank name, bad redirect URI or unknown scope."""
    name = strip_control_chars(name).strip()
    if not name:
        raise _invalid("Application name can't be blank")
    if len(name) > MAX_NAME:
        raise _invalid(f"Application name is too long (maximum is {MAX_NAME} characters)")
    uris = _split_redirect_uris(redirect_uris)
    if not uris:
        raise _invalid("Redirect URI can't be blank")
    if sum(len(u) + 1 for u in uris) > MAX_REDIRECT_URIS_CHARS:
        raise _invalid("Redirect URI is too long")
    for uri in uris:
        problem = redirect_uri_problem(uri)
        if problem is not None:
            raise _invalid(problem)
    scope_list = parse_scopes(scopes)
    unknown = unknown_scopes(scope_list)
    if unknown:
        raise _invalid(f"Scopes {' '.join(unknown)[:100]} are not valid scopes")
    site = strip_control_chars(website or "").strip() or None
    if site is not None and (len(site) > MAX_WEBSITE or not re.fullmatch(r"https?://[^\s]+", site)):
        raise _invalid("Website is not a valid http(s) URL")

    app = AppRecord(
        id=services.ids.next_id(),
        name=name,
        website=site,
        redirect_uris=uris,
        scopes=scope_list,
        client_id=secrets.token_urlsafe(32),
    )
    secret = secrets.token_urlsafe(32)
    async with services.db.write() as conn:
        await conn.execute(
            schema.oauth_apps.insert().values(
                id=app.id,
                name=app.name,
                website=app.website,
                redirect_uris="\n".join(app.redirect_uris),
                scopes=" ".join(app.scopes),
                client_id=app.client_id,
                client_secret=hash_token(secret),
                created_at=datetime.now(UTC),
            )
        )
    return RegisteredApp(app=app, client_secret=secret)


def _record(row: Any) -> AppRecord:
    return AppRecord(
        id=int(row.id),
        name=str(row.name),
        website=row.website if row.website is None else str(row.website),
        redirect_uris=str(row.redirect_uris).split("\n"),
        scopes=str(row.scopes).split(),
        client_id=str(row.client_id),
    )


_APP_COLUMNS = (
    schema.oauth_apps.c.id,
    schema.oauth_apps.c.name,
    schema.oauth_apps.c.website,
    schema.oauth_apps.c.redirect_uris,
    schema.oauth_apps.c.scopes,
    schema.oauth_apps.c.client_id,
)


async def find_app(services: Services, *, client_id: str) -> AppRecord | None:
    """The app with this client id, or None."""
    if not client_id or len(client_id) > 64 or "\x00" in client_id:
        return None
    t = schema.oauth_apps
    async with services.db.read(primary=True) as conn:
        row = (
            await conn.execute(sa.select(*_APP_COLUMNS).where(t.c.client_id == client_id))
        ).first()
    return None if row is None else _record(row)


async def load_app(services: Services, app_id: int) -> AppRecord | None:
    t = schema.oauth_apps
    async with services.db.read(primary=True) as conn:
        row = (await conn.execute(sa.select(*_APP_COLUMNS).where(t.c.id == app_id))).first()
    return None if row is None else _record(row)


async def authenticate_client(
    services: Services, *, client_id: str | None, client_secret: str | None
) -> AppRecord:
    """The app whose id and secret these are; OAuth ``invalid_client`` otherwise."""
    if not client_id or not client_secret or len(client_id) > 64 or "\x00" in client_id:
        raise OAuthError("invalid_client")
    t = schema.oauth_apps
    async with services.db.read(primary=True) as conn:
        row = (
            await conn.execute(
                sa.select(*_APP_COLUMNS, t.c.client_secret).where(t.c.client_id == client_id)
            )
        ).first()
    if row is None or not hmac.compare_digest(str(row.client_secret), hash_token(client_secret)):
        raise OAuthError("invalid_client")
    return _record(row)
