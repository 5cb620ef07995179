"""Mastodon entities of search and trends: Tag (with history), Search."""

from __future__ import annotations

from typing import Any

import msgspec

from roost.accounts.entities import Account
from roost.statuses.entities import Status


class TagHistory(msgspec.Struct, kw_only=True):
    """One day of a tag's use: ``day`` is the UNIX time of its midnight
    (UTC); counts are strings, as Mastodon sends them."""

    day: str
    uses: str
    accounts: str


class Tag(msgspec.Struct, kw_only=True, omit_defaults=True):
    """A hashtag with the last 7 days of use; ``following`` only for a
    signed-in viewer."""

    id: str
    name: str
    url: str
    history: list[TagHistory]
    following: bool | msgspec.UnsetType = msgspec.UNSET


class SearchResults(msgspec.Struct, kw_only=True):
    """The v2 answer. ``statuses`` is spliced in as JSON (statuses.wire)."""

    accounts: list[Account]
    statuses: list[Status]
    hashtags: list[Tag]


class SearchResultsV1(msgspec.Struct, kw_only=True):
    """The v1 answer: hashtags as plain names."""

    accounts: list[Account]
    statuses: list[Status]
    hashtags: list[str]


class TrendLink(msgspec.Struct, kw_only=True):
    """Declared for the document only: links are never trending here."""

    url: str
    title: str
    history: list[Any]
