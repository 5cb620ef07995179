"""The cached, internal form of an account row."""

from __future__ import annotations

from datetime import date, datetime

import msgspec


class AccountRecord(msgspec.Struct, array_like=True, frozen=True):
    """Everything needed to render an Account, kept compact for the cache.

    Frozen: a record read from the cache is shared by every reader of the
    process (``accounts.store.decode_account``)."""

    id: int
    username: str
    display_name: str
    note: str
    avatar_url: str
    header_url: str
    locked: bool
    bot: bool
    fields: list[dict[str, str]]
    followers_count: int
    following_count: int
    statuses_count: int
    created_at: datetime
    last_status_at: datetime | None
    email: str = ""
    date_of_birth: date | None = None
    is_admin: bool = False
    discoverable: bool = True
    indexable: bool = True
    locale: str = "en"
    default_privacy: str = "public"
    default_sensitive: bool = False
    default_language: str | None = None
    # Sign-up state; entries cached before these fields existed read as true.
    approved: bool = True
    confirmed: bool = True
    # Moderation (roost.admin.actions); entries cached before these fields
    # existed read as false.
    suspended: bool = False
    silenced: bool = False


def is_signed_up(record: AccountRecord, *, confirmation_required: bool) -> bool:
    """Whether the sign-up is complete (approved, and confirmed when the
    server asks for it): before that the account is not known to others."""
    return record.approved and (record.confirmed or not confirmation_required)


def is_listed(record: AccountRecord, *, confirmation_required: bool) -> bool:
    """Whether other people may see the account: as on Mastodon, a sign-up
    that waits for its confirmation or for an admin is not found; nor is a
    suspended account (lookups and account search leave it out; moderators
    see it through the admin API)."""
    return not record.suspended and is_signed_up(
        record, confirmation_required=confirmation_required
    )
