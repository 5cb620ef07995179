"""Mastodon's filter entities (v2 Filter, FilterKeyword, FilterStatus,
FilterResult, and the v1 Filter), as sent to clients."""

from __future__ import annotations

import msgspec


class FilterKeyword(msgspec.Struct, kw_only=True):
    id: str
    keyword: str
    whole_word: bool


class FilterStatus(msgspec.Struct, kw_only=True):
    id: str
    status_id: str


class Filter(msgspec.Struct, kw_only=True):
    id: str
    title: str
    # Where it applies: home, notifications, public, thread, account.
    context: list[str]
    expires_at: str | None
    # warn: shown with a warning (``filtered`` on the Status); hide: left out.
    filter_action: str
    keywords: list[FilterKeyword]
    statuses: list[FilterStatus]


class FilterResult(msgspec.Struct, kw_only=True):
    """Why a status matched one of the viewer's filters (``Status.filtered``)."""

    filter: Filter
    keyword_matches: list[str] | None
    status_matches: list[str] | None


class V1Filter(msgspec.Struct, kw_only=True):
    """A v1 filter: one keyword of a v2 filter."""

    id: str
    phrase: str
    context: list[str]
    expires_at: str | None
    irreversible: bool
    whole_word: bool
