"""Mastodon Relationship entity, as sent to clients."""

from __future__ import annotations

import msgspec


class Relationship(msgspec.Struct, kw_only=True):
    """How the viewer relates to one account (``id``)."""

    id: str
    following: bool
    showing_reblogs: bool
    notifying: bool
    followed_by: bool
    blocking: bool
    blocked_by: bool
    muting: bool
    muting_notifications: bool
    # A follow request of the viewer's is pending (the account is locked),
    # or one of the account's awaits the viewer's answer.
    requested: bool = False
    requested_by: bool = False
    domain_blocking: bool = False
    endorsed: bool = False
    note: str = ""
    languages: list[str] | None = None
