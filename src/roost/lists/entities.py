"""Mastodon List entity, as sent to clients."""

from __future__ import annotations

import msgspec


class List(msgspec.Struct, kw_only=True):
    """One of the caller's lists."""

    id: str
    title: str
    # followed | list | none: which replies the list's timeline shows.
    replies_policy: str
    # Posts of the list's members are left out of the home timeline.
    exclusive: bool
