"""Mastodon Account entities, as sent to clients."""

from __future__ import annotations

import msgspec


class Field(msgspec.Struct):
    name: str
    value: str
    verified_at: str | None = None


class Account(msgspec.Struct, kw_only=True):
    id: str
    username: str
    acct: str
    url: str
    uri: str
    display_name: str
    note: str
    avatar: str
    avatar_static: str
    header: str
    header_static: str
    locked: bool
    bot: bool
    group: bool
    discoverable: bool
    indexable: bool
    created_at: str
    last_status_at: str | None
    followers_count: int
    following_count: int
    statuses_count: int
    fields: list[Field]
    emojis: list[dict[str, str]]
    roles: list[dict[str, str]]


class Source(msgspec.Struct, kw_only=True):
    note: str
    fields: list[Field]
    privacy: str = "public"
    sensitive: bool = False
    language: str | None = None
    follow_requests_count: int = 0


class CredentialAccount(Account, kw_only=True):
    """``verify_credentials`` and ``update_credentials`` add the editable source."""

    source: Source
