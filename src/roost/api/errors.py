"""Errors in the Mastodon shape: ``{"error": "..."}`` with an HTTP status."""

from __future__ import annotations

import logging

import msgspec
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

log = logging.getLogger("roost.api")


class ApiError(Exception):
    """Raised anywhere below a handler to answer with a Mastodon error."""

    def __init__(self, status: int, message: str, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers


def not_found(what: str = "Record") -> ApiError:
    return ApiError(404, f"{what} not found")


def unprocessable(message: str) -> ApiError:
    return ApiError(422, f"Validation failed: {message}")


def error_response(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    body = msgspec.json.encode({"error": message})
    return Response(body, status_code=status, headers=headers, media_type="application/json")


async def handle_api_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return error_response(exc.status, exc.message, exc.headers)


async def handle_http_exception(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    messages = {404: "Not found", 405: "Method not allowed"}
    return error_response(exc.status_code, messages.get(exc.status_code, str(exc.detail)))


async def handle_unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(500, "Internal server error")
