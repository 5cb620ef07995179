"""Fast JSON responses (msgspec) and Mastodon formatting helpers."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import msgspec
from starlette.responses import Response

_encoder = msgspec.json.Encoder()


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


def format_datetime(moment: datetime) -> str:
    """RFC 3339 in UTC with milliseconds and ``Z``, as Mastodon writes it."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def format_date(day: date | datetime | None) -> str | None:
    if day is None:
        return None
    if isinstance(day, datetime):
        day = day.date()
    return day.isoformat()
