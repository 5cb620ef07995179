"""Dates and times in the form the Mastodon API writes them."""

from __future__ import annotations

from datetime import UTC, date, datetime


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
