"""Fast JSON responses (msgspec) and Mastodon formatting helpers."""

from __future__ import annotations

from typing import Any

import msgspec
from starlette.responses import Response

_encoder = msgspec.json.Encoder()

# On every response that carries a token or a client secret (RFC 6749 5.1).
NO_STORE = {"Cache-Control": "no-store"}


def json_response(
    content: Any, *, status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    return Response(
        _encoder.encode(content),
        status_code=status,
        headers=headers,
        media_type="application/json",
    )


class EmptyObject(msgspec.Struct):
    """The ``{}`` of ``empty_object()``, for the OpenAPI document."""


def empty_object() -> Response:
    """Mastodon answers ``{}`` (never an empty body) when there is nothing to say."""
    return Response(b"{}", media_type="application/json")
