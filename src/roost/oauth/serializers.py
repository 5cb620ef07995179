"""OAuth records -> Mastodon JSON entities."""

from __future__ import annotations

from roost.config import Settings
from roost.oauth.apps import AppRecord
from roost.oauth.entities import Application, AuthorizationServerMetadata, Token
from roost.oauth.grants import GRANT_TYPES
from roost.oauth.pkce import METHODS
from roost.oauth.scopes import KNOWN_SCOPES
from roost.oauth.tokens import IssuedToken


def serialize_application(
    settings: Settings, app: AppRecord, *, vapid_key: str, client_secret: str | None = None
) -> Application:
    """The Application entity; credentials only in the registration answer.
    ``vapid_key`` is the instance's Web Push server key (roost.push.keys)."""
    return Application(
        id=str(app.id),
        name=app.name,
        website=app.website,
        scopes=app.scopes,
        redirect_uris=app.redirect_uris,
        redirect_uri="\n".join(app.redirect_uris),
        vapid_key=vapid_key,
        client_id=app.client_id if client_secret is not None else None,
        client_secret=client_secret,
        client_secret_expires_at=0 if client_secret is not None else None,
    )


def serialize_token(issued: IssuedToken) -> Token:
    return Token(
        access_token=issued.access_token,
        token_type="Bearer",
        scope=issued.scopes,
        created_at=int(issued.created_at.timestamp()),
        refresh_token=issued.refresh_token,
    )


def server_metadata(settings: Settings) -> AuthorizationServerMetadata:
    base = settings.public_url.rstrip("/")
    return AuthorizationServerMetadata(
        issuer=f"{base}/",
        service_documentation=f"{base}/openapi.json",
        authorization_endpoint=f"{base}/oauth/authorize",
        token_endpoint=f"{base}/oauth/token",
        revocation_endpoint=f"{base}/oauth/revoke",
        app_registration_endpoint=f"{base}/api/v1/apps",
        scopes_supported=sorted(KNOWN_SCOPES),
        response_types_supported=["code"],
        response_modes_supported=["query"],
        grant_types_supported=list(GRANT_TYPES),
        token_endpoint_auth_methods_supported=["client_secret_basic", "client_secret_post"],
        code_challenge_methods_supported=list(METHODS),
    )
