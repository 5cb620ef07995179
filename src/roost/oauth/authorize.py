"""The authorization-code flow's first leg: check the client's request, log
the user in, and hand out a code.

There is no session: the user types their login on the authorize page itself
and each approval is one form post, so there is no cookie to forge
cross-site.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import msgspec

from roost.oauth.admin_scopes import ADMIN_SCOPES_REFUSED, may_hold_scopes
from roost.oauth.apps import AppRecord, find_app
from roost.oauth.codes import create_authorization_code
from roost.oauth.entities import AuthorizeQuery
from roost.oauth.errors import DESCRIPTIONS
from roost.oauth.login import authenticate_login
from roost.oauth.pkce import valid_challenge
from roost.oauth.redirects import is_allowed_redirect_uri
from roost.oauth.scopes import all_covered, parse_scopes, unknown_scopes

if TYPE_CHECKING:
    from roost.services import Services

MAX_STATE_CHARS = 1000


class AuthorizationRequest(msgspec.Struct, frozen=True):
    """A checked authorization request: the client and redirect are genuine."""

    app: AppRecord
    redirect_uri: str
    scopes: list[str]
    state: str | None
    code_challenge: str | None
    code_challenge_method: str | None


class AuthorizationError(Exception):
    """A refused authorization request.

    With ``redirect_uri`` set (the client is genuine) the error goes back to
    the client (RFC 6749 section 4.1.2.1); without it, it is only shown to the
    user, since the redirect target cannot be trusted.
    """

    def __init__(
        self,
        error: str,
        description: str | None = None,
        *,
        redirect_uri: str | None = None,
        state: str | None = None,
    ) -> None:
        self.error = error
        self.description = description or DESCRIPTIONS.get(error, error)
        self.redirect_uri = redirect_uri
        self.state = state
        super().__init__(f"{error}: {self.description}")


async def check_authorization_request(
    services: Services, *, query: AuthorizeQuery
) -> AuthorizationRequest:
    """Validate the client, redirect URI, response type, scopes and PKCE challenge."""
    app = await find_app(services, client_id=query.client_id)
    if app is None:
        raise AuthorizationError("invalid_client", "Unknown client application.")
    redirect = query.redirect_uri
    if not redirect and len(app.redirect_uris) == 1:
        redirect = app.redirect_uris[0]
    if not redirect or redirect not in app.redirect_uris:
        raise AuthorizationError(
            "invalid_request", "The redirect URI is not registered for this application."
        )
    if not is_allowed_redirect_uri(redirect):
        # Registered before such URIs were refused: never redirect there.
        raise AuthorizationError("invalid_request", "The redirect URI is not allowed.")
    state = query.state[:MAX_STATE_CHARS] if query.state else None
    if query.response_type != "code":
        raise AuthorizationError("unsupported_response_type", redirect_uri=redirect, state=state)
    scopes = parse_scopes(query.scope)
    if unknown_scopes(scopes) or not all_covered(app.scopes, scopes):
        raise AuthorizationError("invalid_scope", redirect_uri=redirect, state=state)
    challenge = query.code_challenge or None
    method = None
    if challenge is not None:
        # RFC 7636: without a method the challenge is the plain verifier.
        method = query.code_challenge_method or "plain"
        if not valid_challenge(challenge, method):
            raise AuthorizationError(
                "invalid_request",
                "code_challenge must be 43-128 URL-safe characters and "
                "code_challenge_method S256 or plain.",
                redirect_uri=redirect,
                state=state,
            )
    return AuthorizationRequest(
        app=app,
        redirect_uri=redirect,
        scopes=scopes,
        state=state,
        code_challenge=challenge,
        code_challenge_method=method,
    )


async def approve_authorization(
    services: Services,
    *,
    request: AuthorizationRequest,
    login: str,
    password: str,
    ip: str,
) -> str | None:
    """Log the user in and issue a code for ``request``; None for a wrong login,
    ``invalid_scope`` back to the client when a non-admin is asked for admin scopes."""
    account_id = await authenticate_login(services, login=login, password=password, ip=ip)
    if account_id is None:
        return None
    if not await may_hold_scopes(services, account_id=account_id, scopes=request.scopes):
        raise AuthorizationError(
            "invalid_scope",
            ADMIN_SCOPES_REFUSED,
            redirect_uri=request.redirect_uri,
            state=request.state,
        )
    return await create_authorization_code(
        services,
        app_id=request.app.id,
        account_id=account_id,
        redirect_uri=request.redirect_uri,
        scopes=request.scopes,
        code_challenge=request.code_challenge,
        code_challenge_method=request.code_challenge_method,
    )
