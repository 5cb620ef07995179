"""Mastodon Conversation entity (for the OpenAPI document; the routes
splice the JSON from cached fragments)."""

from __future__ import annotations

import msgspec

from roost.accounts.entities import Account
from roost.statuses.entities import Status


class Conversation(msgspec.Struct, kw_only=True):
    id: str
    unread: bool
    # The other participants.
    accounts: list[Account]
    last_status: Status | None
