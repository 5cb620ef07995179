"""Declarative endpoints: one decorator gives a Starlette route and its OpenAPI entry.

A handler is ``async def handler(ctx: Context[, query: Q][, form: F]) -> Response``
where ``Q`` and ``F`` are msgspec Structs; the wrapper authenticates, checks
the OAuth scope, parses and validates the inputs, and hands over.
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Literal, get_type_hints

import msgspec
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from roost.api.auth import VIEWER_KEY, scope_bearer_token
from roost.api.errors import ApiError
from roost.api.params import parse_body, parse_query
from roost.api.uploads import LimitOf, accept_upload, is_multipart, received_upload
from roost.config import Settings
from roost.db.replicas import reading_as
from roost.kernel.auth import Viewer
from roost.kernel.errors import NotFound
from roost.kernel.idtext import parse_id

if TYPE_CHECKING:
    from roost.services import Services

Auth = Literal["none", "optional", "token", "user"]
Handler = Callable[..., Awaitable[Response]]


@dataclasses.dataclass(slots=True)
class Context:
    """What a handler gets besides its parsed inputs."""

    request: Request
    services: Services
    viewer: Viewer | None

    @property
    def viewer_id(self) -> int | None:
        return self.viewer.account_id if self.viewer else None

    @property
    def user_id(self) -> int:
        """The calling account; only valid on endpoints declared with auth='user'."""
        if self.viewer is None or self.viewer.account_id is None:
            raise ApiError(422, "This method requires an authenticated user")
        return self.viewer.account_id

    def path_id(self, name: str = "id") -> int:
        value = parse_id(self.request.path_params.get(name))
        if value is None:
            raise NotFound()
        return value

    def path_str(self, name: str) -> str:
        return str(self.request.path_params[name])


class _Asgi:
    """An endpoint as a plain ASGI app. Starlette's wrapper for a request
    function would catch the handler's errors once more on every request,
    with the same handlers the app's exception middleware maps them with
    just outside the router."""

    __slots__ = ("endpoint",)

    def __init__(self, endpoint: Callable[[Request], Awaitable[Response]]) -> None:
        self.endpoint = endpoint

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = await self.endpoint(Request(scope, receive, send))
        await response(scope, receive, send)


@dataclasses.dataclass(frozen=True, slots=True)
class Endpoint:
    method: str
    path: str
    handler: Handler
    summary: str
    tag: str
    auth: Auth
    # The caller's token needs one of these (none: any token will do).
    scopes: tuple[str, ...]
    query: type[msgspec.Struct] | None
    form: type[msgspec.Struct] | None
    response: Any
    status: int
    # For the OpenAPI document: what the success answer is, whether the
    # endpoint answers with a redirect, and error statuses it can give beyond
    # those that follow from the declaration (see roost.api.openapi).
    media_type: str = "application/json"
    redirects: bool = False
    errors: tuple[int, ...] = ()
    # Other success statuses with the same body (202 for "still processing").
    also: tuple[int, ...] = ()
    # File fields of a multipart body, streamed to disk before the form is
    # parsed (roost.api.uploads); the handler reads them with received_upload.
    uploads: tuple[str, ...] = ()
    # Each file's size limit from its first bytes (see roost.api.uploads).
    upload_limit: Callable[[Settings, str, bytes], int] | None = None

    def route(self) -> Route:
        return Route(
            self.path, _Asgi(self._endpoint), methods=[self.method], name=self.handler.__name__
        )

    async def _endpoint(self, request: Request) -> Response:
        services: Services = request.app.state.services
        viewer = await self._authenticate(request, services)
        if viewer is not None and viewer.account_id is not None and services.db.replicas:
            reading_as(viewer.account_id)  # replicas must hold the caller's writes
        kwargs: dict[str, Any] = {}
        if self.query is not None:
            kwargs["query"] = parse_query(request, self.query)
        if self.uploads and is_multipart(request):
            settings = services.settings
            await accept_upload(
                request,
                frozenset(self.uploads),
                max(settings.media_max_image_bytes, settings.media_max_video_bytes),
                settings.data_dir / "tmp",
                self._limit_of(settings),
            )
        try:
            if self.form is not None:
                kwargs["form"] = await parse_body(request, self.form)
            ctx = Context(request, services, viewer)
            # Once more when a database connection died under the handler
            # before it committed anything (roost.db.engine).
            return await services.db.once_more_on_disconnect(lambda: self.handler(ctx, **kwargs))
        finally:
            upload = received_upload(request)
            if upload is not None:
                upload.close()

    def _limit_of(self, settings: Settings) -> LimitOf | None:
        limit = self.upload_limit
        if limit is None:
            return None
        return lambda field, head: limit(settings, field, head)

    async def _authenticate(self, request: Request, services: Services) -> Viewer | None:
        if self.auth == "none":
            return None
        token = scope_bearer_token(request.scope)
        if token is None:
            if self.auth == "optional":
                return None
            raise ApiError(401, "The access token is invalid")
        resolved: tuple[str, Viewer | None] | None = request.scope.get(VIEWER_KEY)
        viewer: Viewer | None
        if resolved is not None and resolved[0] == token:
            viewer = resolved[1]
        else:
            viewer = await services.tokens.viewer_for(token)
        if viewer is None:
            raise ApiError(401, "The access token is invalid")
        if viewer.disabled:
            # Suspended or disabled by a moderator: refused on every endpoint.
            raise ApiError(403, "Your login is currently disabled")
        scopes = self.scopes
        if scopes and not (viewer.allows(scopes[0]) or any(map(viewer.allows, scopes[1:]))):
            raise ApiError(403, "This action is outside the authorized scopes")
        if self.auth == "user":
            if viewer.account_id is None:
                raise ApiError(422, "This method requires an authenticated user")
            # Unconfirmed and pending accounts hold tokens but may not use
            # user endpoints yet (Mastodon's require_user!).
            required = services.settings.email_confirmation_required
            reason = viewer.restriction(confirmation_required=required)
            if reason is not None:
                raise ApiError(403, reason)
        return viewer


class Router:
    """Collects a domain's endpoints."""

    def __init__(self, tag: str) -> None:
        self.tag = tag
        self.endpoints: list[Endpoint] = []

    def add(
        self,
        method: str,
        path: str,
        *,
        summary: str,
        auth: Auth = "optional",
        scope: str | tuple[str, ...] | None = None,
        response: Any = None,
        status: int = 200,
        media_type: str = "application/json",
        redirects: bool = False,
        errors: tuple[int, ...] = (),
        also: tuple[int, ...] = (),
        uploads: tuple[str, ...] = (),
        upload_limit: Callable[[Settings, str, bytes], int] | None = None,
    ) -> Callable[[Handler], Handler]:
        """Declare an endpoint; ``scope`` may name alternatives (any one will do)."""
        scopes = (scope,) if isinstance(scope, str) else tuple(scope or ())

        def register(handler: Handler) -> Handler:
            hints = get_type_hints(handler)
            params = inspect.signature(handler).parameters
            unknown = set(params) - {"ctx", "query", "form"}
            if unknown:
                raise TypeError(f"{handler.__name__}: unexpected parameters {unknown}")
            self.endpoints.append(
                Endpoint(
                    method=method,
                    path=path,
                    handler=handler,
                    summary=summary,
                    tag=self.tag,
                    auth=auth,
                    scopes=scopes,
                    query=hints.get("query") if "query" in params else None,
                    form=hints.get("form") if "form" in params else None,
                    response=response,
                    status=status,
                    media_type=media_type,
                    redirects=redirects,
                    errors=errors,
                    also=also,
                    uploads=uploads,
                    upload_limit=upload_limit,
                )
            )
            return handler

        return register

    def get(self, path: str, **kw: Any) -> Callable[[Handler], Handler]:
        return self.add("GET", path, **kw)

    def post(self, path: str, **kw: Any) -> Callable[[Handler], Handler]:
        return self.add("POST", path, **kw)

    def put(self, path: str, **kw: Any) -> Callable[[Handler], Handler]:
        return self.add("PUT", path, **kw)

    def patch(self, path: str, **kw: Any) -> Callable[[Handler], Handler]:
        return self.add("PATCH", path, **kw)

    def delete(self, path: str, **kw: Any) -> Callable[[Handler], Handler]:
        return self.add("DELETE", path, **kw)
