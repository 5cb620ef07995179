"""Errors in the Mastodon shape: ``{"error": "..."}`` with an HTTP status."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import msgspec
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Match, Route

from roost.api.client_address import client_address
from roost.db.engine import database_unavailable
from roost.kernel.errors import (
    DomainError,
    Forbidden,
    NotFound,
    RateLimited,
    Unprocessable,
    ValidationFailed,
)
from roost.kernel.timefmt import format_datetime

log = logging.getLogger("roost.api")


class ApiError(Exception):
    """An HTTP-level error raised by the API layer and routes (a bad token, a
    malformed body). Services raise the domain errors of roost.kernel.errors."""

    def __init__(self, status: int, message: str, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers


def error_response(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    body = msgspec.json.encode({"error": message})
    return Response(body, status_code=status, headers=headers, media_type="application/json")


async def handle_api_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return error_response(exc.status, exc.message, exc.headers)


# The one place where a domain error becomes an HTTP status.
_STATUS: dict[type[DomainError], int] = {
    NotFound: 404,
    ValidationFailed: 422,
    Unprocessable: 422,
    Forbidden: 403,
    RateLimited: 429,
}


def rate_limit_headers(exc: RateLimited) -> dict[str, str]:
    return {
        "X-RateLimit-Limit": str(exc.limit),
        "X-RateLimit-Remaining": str(exc.remaining),
        "X-RateLimit-Reset": format_datetime(datetime.fromtimestamp(exc.reset_at, UTC)),
        "Retry-After": str(exc.retry_after),
    }


def domain_error_response(exc: DomainError) -> Response:
    status = next((code for kind, code in _STATUS.items() if isinstance(exc, kind)), 400)
    headers = rate_limit_headers(exc) if isinstance(exc, RateLimited) else None
    content: dict[str, object] = {"error": exc.message}
    if isinstance(exc, ValidationFailed) and exc.details:
        content["details"] = exc.details
    body = msgspec.json.encode(content)
    return Response(body, status_code=status, headers=headers, media_type="application/json")


async def handle_domain_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError)
    return domain_error_response(exc)


def allowed_methods(request: Request) -> str:
    """Every method some route serves at this path. Starlette's own ``Allow``
    names only the first route whose path matched, and a path often has
    several (GET and DELETE /api/v1/statuses/{id})."""
    methods: set[str] = set()
    for route in request.app.router.routes:
        if isinstance(route, Route) and route.methods:
            match, _ = route.matches(request.scope)
            if match is not Match.NONE:
                methods |= route.methods
    return ", ".join(sorted(methods))


async def handle_http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    messages = {404: "Not found", 405: "Method not allowed"}
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        headers["Allow"] = allowed_methods(request)
    message = messages.get(exc.status_code, str(exc.detail))
    return error_response(exc.status_code, message, headers or None)


# Seconds a client is asked to wait when the database was not usable.
UNAVAILABLE_RETRY_AFTER = 1


async def handle_unexpected(request: Request, exc: Exception) -> Response:
    try:
        caller = client_address(request)
    except Exception:  # no services (the app did not start): still log the error
        caller = "unknown"
    if database_unavailable(exc):
        # Not a bug of the request: the database went away under it (a
        # restart, a failover, a terminated connection) or was too busy.
        # When a commit was under way it may or may not have taken effect:
        # a client retrying a post with its Idempotency-Key gets the one
        # status either way.
        log.warning(
            "database unavailable on %s %s from %s: %s",
            request.method,
            request.url.path,
            caller,
            exc,
        )
        return error_response(
            503,
            "The database is unavailable; try again shortly",
            {"Retry-After": str(UNAVAILABLE_RETRY_AFTER)},
        )
    log.exception(
        "unhandled error on %s %s from %s", request.method, request.url.path, caller, exc_info=exc
    )
    return error_response(500, "Internal server error")
