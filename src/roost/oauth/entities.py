"""OAuth request forms and response entities (Mastodon's Application and Token)."""

from __future__ import annotations

import msgspec


class AppForm(msgspec.Struct, kw_only=True):
    client_name: str = ""
    # A newline-separated string (Mastodon.py) or a JSON list.
    redirect_uris: str | list[str] | None = None
    scopes: str | list[str] | None = None
    website: str | None = None


class TokenForm(msgspec.Struct, kw_only=True):
    grant_type: str = ""
    client_id: str | None = None
    client_secret: str | None = None
    code: str | None = None
    redirect_uri: str | None = None
    code_verifier: str | None = None
    # The password grant: a username or an email (Mastodon.py sends the email).
    username: str | None = None
    password: str | None = None
    refresh_token: str | None = None
    scope: str | None = None


class RevokeForm(msgspec.Struct, kw_only=True):
    client_id: str | None = None
    client_secret: str | None = None
    token: str | None = None


class AuthorizeQuery(msgspec.Struct, kw_only=True):
    response_type: str = ""
    client_id: str = ""
    redirect_uri: str | None = None
    scope: str | None = None
    state: str | None = None
    code_challenge: str | None = None
    code_challenge_method: str | None = None


class AuthorizeForm(AuthorizeQuery, kw_only=True):
    """The login form posted back to the authorize page (OAuth parameters ride
    along as hidden fields)."""

    username: str = ""
    password: str = ""
    # "deny" when the user refuses.
    decision: str = "approve"


class Application(msgspec.Struct, kw_only=True, omit_defaults=True):
    id: str
    name: str
    website: str | None
    scopes: list[str]
    redirect_uris: list[str]
    # Deprecated single string (newline-joined), still read by older clients.
    redirect_uri: str
    vapid_key: str
    # Only in the answer to registration.
    client_id: str | None = None
    client_secret: str | None = None
    client_secret_expires_at: int | None = None


class Token(msgspec.Struct, kw_only=True, omit_defaults=True):
    access_token: str
    token_type: str
    scope: str
    created_at: int
    refresh_token: str | None = None


class AuthorizationServerMetadata(msgspec.Struct, kw_only=True):
    """RFC 8414 metadata, with Mastodon's ``app_registration_endpoint``."""

    issuer: str
    service_documentation: str
    authorization_endpoint: str
    token_endpoint: str
    revocation_endpoint: str
    app_registration_endpoint: str
    scopes_supported: list[str]
    response_types_supported: list[str]
    response_modes_supported: list[str]
    grant_types_supported: list[str]
    token_endpoint_auth_methods_supported: list[str]
    code_challenge_methods_supported: list[str]
