"""Timeline store keys."""

from __future__ import annotations


def home_key(account_id: int) -> str:
    """The home timeline of one account (Mastodon's ``feed:home:<id>``)."""
    return f"home:{account_id}"
