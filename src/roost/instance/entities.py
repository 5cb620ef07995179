"""Mastodon Instance entities (v1 and v2) and their parts."""

from __future__ import annotations

import msgspec

from roost.accounts.entities import Account


class StatusesConfig(msgspec.Struct, kw_only=True):
    max_characters: int
    max_media_attachments: int
    characters_reserved_per_url: int


class MediaConfig(msgspec.Struct, kw_only=True):
    supported_mime_types: list[str]
    image_size_limit: int
    image_matrix_limit: int
    video_size_limit: int
    video_frame_rate_limit: int
    video_matrix_limit: int
    description_limit: int


class PollsConfig(msgspec.Struct, kw_only=True):
    max_options: int
    max_characters_per_option: int
    min_expiration: int
    max_expiration: int


class AccountsConfig(msgspec.Struct, kw_only=True):
    max_featured_tags: int
    max_pinned_statuses: int
    max_display_name_length: int
    max_note_length: int
    max_profile_fields: int
    profile_field_name_limit: int
    profile_field_value_limit: int


class Stats(msgspec.Struct, kw_only=True):
    user_count: int
    status_count: int
    domain_count: int


class UrlsV1(msgspec.Struct, kw_only=True):
    streaming_api: str


class ConfigurationV1(msgspec.Struct, kw_only=True):
    accounts: AccountsConfig
    statuses: StatusesConfig
    media_attachments: MediaConfig
    polls: PollsConfig


class Rule(msgspec.Struct, kw_only=True):
    id: str
    text: str
    hint: str = ""


class InstanceV1(msgspec.Struct, kw_only=True):
    uri: str
    title: str
    short_description: str
    description: str
    email: str
    version: str
    urls: UrlsV1
    stats: Stats
    thumbnail: str | None
    languages: list[str]
    registrations: bool
    approval_required: bool
    invites_enabled: bool
    configuration: ConfigurationV1
    contact_account: Account | None
    rules: list[Rule]


class UrlsV2(msgspec.Struct, kw_only=True):
    streaming: str
    status: str | None = None
    about: str | None = None
    privacy_policy: str | None = None
    terms_of_service: str | None = None


class Vapid(msgspec.Struct, kw_only=True):
    public_key: str


class Translation(msgspec.Struct, kw_only=True):
    enabled: bool


class ConfigurationV2(msgspec.Struct, kw_only=True):
    urls: UrlsV2
    vapid: Vapid
    accounts: AccountsConfig
    statuses: StatusesConfig
    media_attachments: MediaConfig
    polls: PollsConfig
    translation: Translation


class UsageUsers(msgspec.Struct, kw_only=True):
    active_month: int


class Usage(msgspec.Struct, kw_only=True):
    users: UsageUsers


class Thumbnail(msgspec.Struct, kw_only=True):
    url: str
    blurhash: str | None = None


class Registrations(msgspec.Struct, kw_only=True):
    enabled: bool
    approval_required: bool
    reason_required: bool
    message: str | None = None
    url: str | None = None
    min_age: int | None = None


class Contact(msgspec.Struct, kw_only=True):
    email: str
    account: Account | None


class InstanceV2(msgspec.Struct, kw_only=True):
    domain: str
    title: str
    version: str
    source_url: str
    description: str
    usage: Usage
    thumbnail: Thumbnail
    icon: list[dict[str, str]]
    languages: list[str]
    configuration: ConfigurationV2
    registrations: Registrations
    api_versions: dict[str, int]
    contact: Contact
    rules: list[Rule]


class CustomEmoji(msgspec.Struct, kw_only=True):
    shortcode: str
    url: str
    static_url: str
    visible_in_picker: bool
    category: str | None = None


class Readiness(msgspec.Struct, kw_only=True):
    """Roost's readiness answer (not a Mastodon entity): ``status`` is
    "ready"; each check is "ok", or for Redis possibly a degraded state."""

    status: str
    checks: dict[str, str]


class WeekActivity(msgspec.Struct, kw_only=True):
    """One week of ``GET /api/v1/instance/activity`` (numbers as strings)."""

    week: str
    statuses: str
    logins: str
    registrations: str


class ExtendedDescription(msgspec.Struct, kw_only=True):
    updated_at: str
    content: str


class PrivacyPolicy(msgspec.Struct, kw_only=True):
    updated_at: str
    content: str


class Announcement(msgspec.Struct, kw_only=True):
    """Mastodon's Announcement; Roost publishes none yet."""

    id: str
    content: str
    published_at: str
    all_day: bool
    read: bool


class JrdLink(msgspec.Struct, kw_only=True, omit_defaults=True):
    rel: str
    type: str | None = None
    href: str | None = None
    template: str | None = None


class Jrd(msgspec.Struct, kw_only=True):
    """A WebFinger answer (JSON Resource Descriptor)."""

    subject: str
    aliases: list[str]
    links: list[JrdLink]


class NodeInfoLinks(msgspec.Struct, kw_only=True):
    links: list[JrdLink]


class NodeInfoSoftware(msgspec.Struct, kw_only=True):
    name: str
    version: str


class NodeInfoUsers(msgspec.Struct, kw_only=True, rename="camel"):
    total: int
    active_month: int
    active_halfyear: int


class NodeInfoUsage(msgspec.Struct, kw_only=True, rename="camel"):
    users: NodeInfoUsers
    local_posts: int


class NodeInfoServices(msgspec.Struct, kw_only=True):
    outbound: list[str]
    inbound: list[str]


class NodeInfo(msgspec.Struct, kw_only=True, rename="camel"):
    version: str
    software: NodeInfoSoftware
    protocols: list[str]
    services: NodeInfoServices
    usage: NodeInfoUsage
    open_registrations: bool
    metadata: dict[str, str]
