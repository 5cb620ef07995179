"""HTTP routes of the oauth domain: apps, the authorize page, tokens."""

from __future__ import annotations

import base64
import binascii
from urllib.parse import unquote

from starlette.requests import Request
from starlette.responses import Response

from roost.api.client_address import client_address
from roost.api.errors import ApiError, rate_limit_headers
from roost.api.responses import NO_STORE, empty_object, json_response
from roost.api.routing import Context, Router
from roost.kernel.errors import RateLimited
from roost.oauth import pages
from roost.oauth.apps import authenticate_client, load_app, register_app
from roost.oauth.authorize import (
    AuthorizationError,
    approve_authorization,
    check_authorization_request,
)
from roost.oauth.entities import (
    AppForm,
    Application,
    AuthorizationServerMetadata,
    AuthorizeForm,
    AuthorizeQuery,
    RevokeForm,
    Token,
    TokenForm,
)
from roost.oauth.errors import OAuthError
from roost.oauth.grants import grant_token, revoke_token
from roost.oauth.serializers import serialize_application, serialize_token, server_metadata
from roost.push.keys import vapid_keys

router = Router("oauth")


def client_credentials(
    request: Request, client_id: str | None, client_secret: str | None
) -> tuple[str | None, str | None]:
    """Client id and secret from the body, or from HTTP Basic auth (RFC 6749 2.3.1)."""
    if client_id and client_secret:
        return client_id, client_secret
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return client_id, client_secret
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return client_id, client_secret
    basic_id, _, basic_secret = decoded.partition(":")
    return unquote(basic_id), unquote(basic_secret)


def oauth_error_response(exc: OAuthError) -> Response:
    headers = dict(NO_STORE)
    if exc.status == 401:
        headers["WWW-Authenticate"] = 'Basic realm="Roost"'
    return json_response(
        {"error": exc.error, "error_description": exc.description},
        status=exc.status,
        headers=headers,
    )


@router.post(
    "/api/v1/apps", summary="Register a client application", auth="none", response=Application
)
async def create_app(ctx: Context, form: AppForm) -> Response:
    registered = await register_app(
        ctx.services,
        name=form.client_name,
        redirect_uris=form.redirect_uris,
        scopes=form.scopes,
        website=form.website,
    )
    app = serialize_application(
        ctx.services.settings,
        registered.app,
        vapid_key=(await vapid_keys(ctx.services)).server_key,
        client_secret=registered.client_secret,
    )
    return json_response(app, headers=NO_STORE)


@router.get(
    "/api/v1/apps/verify_credentials",
    summary="The application of the calling token",
    auth="token",
    response=Application,
)
async def verify_app_credentials(ctx: Context) -> Response:
    assert ctx.viewer is not None
    app = await load_app(ctx.services, ctx.viewer.app_id)
    if app is None:
        raise ApiError(401, "The access token is invalid")
    vapid_key = (await vapid_keys(ctx.services)).server_key
    return json_response(serialize_application(ctx.services.settings, app, vapid_key=vapid_key))


# The authorize pages answer in HTML; refusals the client can be trusted with
# go back to it as a redirect, the others are shown on a 400 page.
_PAGE = {"auth": "none", "media_type": "text/html", "redirects": True}


@router.get("/oauth/authorize", summary="The authorization page (HTML)", errors=(400,), **_PAGE)
async def authorize_page(ctx: Context, query: AuthorizeQuery) -> Response:
    try:
        request = await check_authorization_request(ctx.services, query=query)
    except AuthorizationError as exc:
        return pages.error_response(exc)
    return pages.login_page(request, action=ctx.request.url.path)


@router.get("/oauth/authorize/", summary="The authorization page (HTML)", errors=(400,), **_PAGE)
async def authorize_page_slash(ctx: Context, query: AuthorizeQuery) -> Response:
    return await authorize_page(ctx, query)


@router.post(
    "/oauth/authorize",
    summary="Log in and approve an authorization request (HTML, or a redirect with the code)",
    errors=(400, 401, 429),
    **_PAGE,
)
async def authorize(ctx: Context, form: AuthorizeForm) -> Response:
    try:
        request = await check_authorization_request(ctx.services, query=form)
        if form.decision == "deny":
            raise AuthorizationError(
                "access_denied", redirect_uri=request.redirect_uri, state=request.state
            )
        try:
            code = await approve_authorization(
                ctx.services,
                request=request,
                login=form.username,
                password=form.password,
                ip=client_address(ctx.request),
            )
        except RateLimited as exc:
            return pages.login_page(
                request,
                action=ctx.request.url.path,
                login=form.username,
                error="Too many login attempts. Please try again later.",
                status=429,
                headers=rate_limit_headers(exc),
            )
    except AuthorizationError as exc:
        return pages.error_response(exc)
    if code is None:
        return pages.login_page(
            request,
            action=ctx.request.url.path,
            login=form.username,
            error="Invalid login or password.",
            status=401,
        )
    return pages.code_response(request, code)


@router.post(
    "/oauth/authorize/",
    summary="Log in and approve an authorization request (HTML, or a redirect with the code)",
    errors=(400, 401, 429),
    **_PAGE,
)
async def authorize_slash(ctx: Context, form: AuthorizeForm) -> Response:
    return await authorize(ctx, form)


@router.post(
    "/oauth/token",
    summary="Obtain an access token",
    auth="none",
    response=Token,
    errors=(400, 401),
)
async def obtain_token(ctx: Context, form: TokenForm) -> Response:
    client_id, client_secret = client_credentials(ctx.request, form.client_id, form.client_secret)
    try:
        app = await authenticate_client(
            ctx.services, client_id=client_id, client_secret=client_secret
        )
        issued = await grant_token(ctx.services, app=app, form=form, ip=client_address(ctx.request))
    except OAuthError as exc:
        return oauth_error_response(exc)
    return json_response(serialize_token(issued), headers=NO_STORE)


@router.post(
    "/oauth/revoke",
    summary="Revoke an access or refresh token",
    auth="none",
    errors=(400, 401, 403),
)
async def revoke(ctx: Context, form: RevokeForm) -> Response:
    client_id, client_secret = client_credentials(ctx.request, form.client_id, form.client_secret)
    try:
        app = await authenticate_client(
            ctx.services, client_id=client_id, client_secret=client_secret
        )
        await revoke_token(ctx.services, app=app, token=form.token)
    except OAuthError as exc:
        return oauth_error_response(exc)
    return empty_object()


@router.get(
    "/.well-known/oauth-authorization-server",
    summary="OAuth 2 authorization server metadata (RFC 8414)",
    auth="none",
    response=AuthorizationServerMetadata,
)
async def authorization_server_metadata(ctx: Context) -> Response:
    return json_response(server_metadata(ctx.services.settings))
