"""Mastodon Status entities (and Roost's location extension), as sent to clients."""

from __future__ import annotations

from typing import Any

import msgspec

from roost.accounts.entities import Account
from roost.filters.entities import FilterResult
from roost.media.entities import MediaAttachment


class Mention(msgspec.Struct, kw_only=True):
    id: str
    username: str
    url: str
    acct: str


class Tag(msgspec.Struct, kw_only=True):
    """A hashtag as it appears inside a Status (no history)."""

    name: str
    url: str


class Location(msgspec.Struct, kw_only=True):
    """Roost extension: where a status was posted from."""

    name: str | None
    latitude: float | None
    longitude: float | None


class PollOption(msgspec.Struct, kw_only=True):
    title: str
    votes_count: int | None  # None while the totals are hidden


class Poll(msgspec.Struct, kw_only=True):
    """A Mastodon Poll. ``voted`` and ``own_votes`` only for a signed-in viewer."""

    id: str
    expires_at: str | None
    expired: bool
    multiple: bool
    votes_count: int
    voters_count: int | None
    options: list[PollOption]
    emojis: list[Any]
    voted: bool | msgspec.UnsetType = msgspec.UNSET
    own_votes: list[int] | msgspec.UnsetType = msgspec.UNSET


class Status(msgspec.Struct, kw_only=True):
    """A Mastodon Status.

    Fields set to ``UNSET`` are left out of the JSON: the viewer flags when no
    one is logged in, ``pinned`` unless the viewer is the author, and ``text``
    except in the answer to a delete. ``scheduled_at`` is never sent: toot
    takes its presence as "this post was scheduled".
    """

    id: str
    created_at: str
    in_reply_to_id: str | None
    in_reply_to_account_id: str | None
    sensitive: bool
    spoiler_text: str
    visibility: str
    language: str | None
    uri: str
    url: str | None
    replies_count: int
    reblogs_count: int
    favourites_count: int
    edited_at: str | None
    content: str
    reblog: Status | None
    account: Account
    media_attachments: list[MediaAttachment]
    mentions: list[Mention]
    tags: list[Tag]
    emojis: list[Any]
    card: dict[str, Any] | None = None
    poll: Poll | None = None
    location: Location | None = None
    favourited: bool | msgspec.UnsetType = msgspec.UNSET
    reblogged: bool | msgspec.UnsetType = msgspec.UNSET
    muted: bool | msgspec.UnsetType = msgspec.UNSET
    bookmarked: bool | msgspec.UnsetType = msgspec.UNSET
    pinned: bool | msgspec.UnsetType = msgspec.UNSET
    text: str | msgspec.UnsetType = msgspec.UNSET
    # The viewer's warn filters this status matches (left out when none).
    filtered: list[FilterResult] | msgspec.UnsetType = msgspec.UNSET


class Context(msgspec.Struct, kw_only=True):
    """The thread around a status: parents (oldest first) and replies (depth first)."""

    ancestors: list[Status]
    descendants: list[Status]


class StatusEdit(msgspec.Struct, kw_only=True):
    """One version of a status, as ``GET /api/v1/statuses/:id/history`` lists
    them (oldest first)."""

    content: str
    spoiler_text: str
    sensitive: bool
    created_at: str
    account: Account
    media_attachments: list[Any]
    emojis: list[Any]
    poll: dict[str, Any] | None = None


class StatusSource(msgspec.Struct, kw_only=True):
    """The plain text of a status, for editing it."""

    id: str
    text: str
    spoiler_text: str


class ScheduledPoll(msgspec.Struct, kw_only=True):
    options: list[str]
    expires_in: str
    multiple: bool
    hide_totals: bool


class ScheduledParams(msgspec.Struct, kw_only=True):
    """What will be posted, as the client asked for it."""

    text: str
    poll: ScheduledPoll | None
    media_ids: list[str] | None
    sensitive: bool | None
    spoiler_text: str | None
    visibility: str | None
    in_reply_to_id: str | None
    language: str | None
    application_id: int | None = None
    scheduled_at: None = None
    idempotency: str | None = None
    with_rate_limit: bool = False


class ScheduledStatus(msgspec.Struct, kw_only=True):
    id: str
    scheduled_at: str
    params: ScheduledParams
    media_attachments: list[Any]
