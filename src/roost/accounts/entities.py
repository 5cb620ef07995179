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
    # Present only when true, as on Mastodon: a suspended account is shown
    # as an empty stub; a silenced one is ``limited``.
    suspended: bool | msgspec.UnsetType = msgspec.UNSET
    limited: bool | msgspec.UnsetType = msgspec.UNSET


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


class SignUpForm(msgspec.Struct, kw_only=True):
    username: str = ""
    email: str = ""
    password: str = ""
    agreement: bool = False
    locale: str = "en"
    # Required when registrations need approval: an admin reads it.
    reason: str | None = None
    date_of_birth: str | None = None
    # A Roost extension: Mastodon sets the display name later.
    display_name: str = ""


class ResendForm(msgspec.Struct, kw_only=True):
    # Given: the unconfirmed address is changed to this one first.
    email: str | None = None


class DeletionForm(msgspec.Struct, kw_only=True):
    # The account's current password, confirming the deletion.
    password: str = ""


class ConfirmationQuery(msgspec.Struct, kw_only=True):
    confirmation_token: str = ""


class FieldInput(msgspec.Struct, kw_only=True):
    name: str = ""
    value: str = ""


class SourceInput(msgspec.Struct, kw_only=True):
    privacy: str | None = None
    sensitive: bool | None = None
    language: str | None = None


class ProfileForm(msgspec.Struct, kw_only=True):
    """``update_credentials``; form clients send ``fields_attributes[0][name]``
    and ``source[privacy]``, JSON clients nested objects (or a list of fields)."""

    display_name: str | None = None
    note: str | None = None
    locked: bool | None = None
    bot: bool | None = None
    discoverable: bool | None = None
    indexable: bool | None = None
    # Accepted for compatibility; Roost always shows follower lists.
    hide_collections: bool | None = None
    fields_attributes: dict[str, FieldInput] | list[FieldInput] | None = None
    source: SourceInput | None = None


class LookupQuery(msgspec.Struct, kw_only=True):
    acct: str = ""


class SearchQuery(msgspec.Struct, kw_only=True):
    q: str = ""
    limit: int = 40
    offset: int = 0
    # Only local accounts exist, so there is nothing to resolve remotely.
    resolve: bool = False
    following: bool = False


class FeaturedTag(msgspec.Struct, kw_only=True):
    """A hashtag featured on a profile."""

    id: str
    name: str
    url: str
    statuses_count: int
    last_status_at: str | None


class FeaturedTagForm(msgspec.Struct, kw_only=True):
    name: str


class Preferences(
    msgspec.Struct,
    kw_only=True,
    rename={
        "visibility": "posting:default:visibility",
        "sensitive": "posting:default:sensitive",
        "language": "posting:default:language",
        "expand_media": "reading:expand:media",
        "expand_spoilers": "reading:expand:spoilers",
        "autoplay_gifs": "reading:autoplay:gifs",
    },
):
    """What the account chose as defaults (Mastodon's Preferences hash)."""

    visibility: str
    sensitive: bool
    language: str | None
    expand_media: str = "default"
    expand_spoilers: bool = False
    autoplay_gifs: bool = False
