"""Settings and statistics -> the Mastodon Instance entities (v1 and v2)."""

from __future__ import annotations

import html

import roost
from roost.accounts.entities import Account
from roost.config import Settings
from roost.instance.entities import (
    AccountsConfig,
    ConfigurationV1,
    ConfigurationV2,
    Contact,
    InstanceV1,
    InstanceV2,
    MediaConfig,
    PollsConfig,
    Registrations,
    Stats,
    StatusesConfig,
    Thumbnail,
    Translation,
    UrlsV1,
    UrlsV2,
    Usage,
    UsageUsers,
    Vapid,
)
from roost.instance.stats import InstanceFacts
from roost.media import limits

# Clients keep only what precedes the space and pick endpoints by it:
# 4.3.0 means v2 media upload, v1 trends by tag, api_versions in v2 instance.
VERSION = f"4.3.0 (compatible; Roost {roost.__version__})"
API_VERSIONS = {"mastodon": 2}
DESCRIPTION = "A Roost server: short posts, follows, likes and timelines."


def _streaming_base(settings: Settings) -> str:
    base = (settings.streaming_url or settings.public_url).rstrip("/")
    if base.startswith("https://"):
        return "wss://" + base[len("https://") :]
    if base.startswith("http://"):
        return "ws://" + base[len("http://") :]
    return base


def _statuses(settings: Settings) -> StatusesConfig:
    return StatusesConfig(
        max_characters=settings.max_status_chars,
        max_media_attachments=limits.MAX_ATTACHMENTS,
        characters_reserved_per_url=23,
    )


def _media(settings: Settings) -> MediaConfig:
    """The limits the media domain enforces, as clients read them."""
    return MediaConfig(
        supported_mime_types=list(limits.SUPPORTED_MIME_TYPES),
        image_size_limit=limits.image_size_limit(settings),
        image_matrix_limit=limits.image_matrix_limit(settings),
        video_size_limit=limits.video_size_limit(settings),
        video_frame_rate_limit=limits.VIDEO_FRAME_RATE_LIMIT,
        video_matrix_limit=limits.VIDEO_MATRIX_LIMIT,
        description_limit=limits.DESCRIPTION_LIMIT,
    )


def _polls() -> PollsConfig:
    return PollsConfig(
        max_options=4,
        max_characters_per_option=50,
        min_expiration=300,
        max_expiration=2_629_746,
    )


def _accounts() -> AccountsConfig:
    return AccountsConfig(
        max_featured_tags=10,
        max_pinned_statuses=5,
        max_display_name_length=30,
        max_note_length=500,
        max_profile_fields=4,
        profile_field_name_limit=255,
        profile_field_value_limit=255,
    )


def _registrations(settings: Settings) -> Registrations:
    mode = settings.effective_registrations_mode
    text = settings.registrations_message.strip()
    # Mastodon sends the message as HTML.
    message = f"<p>{html.escape(text)}</p>" if text else None
    return Registrations(
        enabled=mode != "none",
        approval_required=mode == "approved",
        # Roost asks for a reason exactly when an admin reviews sign-ups.
        reason_required=mode == "approved",
        message=message,
    )


def _stats(facts: InstanceFacts) -> Stats:
    # Roost does not federate: no other domains are known.
    return Stats(user_count=facts.user_count, status_count=facts.status_count, domain_count=0)


def serialize_instance_v1(
    settings: Settings, facts: InstanceFacts, contact: Account | None
) -> InstanceV1:
    return InstanceV1(
        uri=settings.domain,
        title=settings.instance_title,
        short_description=DESCRIPTION,
        description=DESCRIPTION,
        email="",
        version=VERSION,
        urls=UrlsV1(streaming_api=_streaming_base(settings)),
        stats=_stats(facts),
        thumbnail=None,
        languages=["en"],
        registrations=settings.effective_registrations_mode != "none",
        approval_required=settings.effective_registrations_mode == "approved",
        invites_enabled=False,
        configuration=ConfigurationV1(
            accounts=_accounts(),
            statuses=_statuses(settings),
            media_attachments=_media(settings),
            polls=_polls(),
        ),
        contact_account=contact,
        rules=[],
    )


def serialize_instance_v2(
    settings: Settings, facts: InstanceFacts, contact: Account | None, *, vapid_key: str
) -> InstanceV2:
    base = settings.public_url.rstrip("/")
    return InstanceV2(
        domain=settings.domain,
        title=settings.instance_title,
        version=VERSION,
        source_url=base,
        description=DESCRIPTION,
        usage=Usage(users=UsageUsers(active_month=facts.active_month)),
        thumbnail=Thumbnail(url=f"{base}/static/thumbnail.png"),
        icon=[],
        languages=["en"],
        configuration=ConfigurationV2(
            urls=UrlsV2(streaming=_streaming_base(settings)),
            vapid=Vapid(public_key=vapid_key),
            accounts=_accounts(),
            statuses=_statuses(settings),
            media_attachments=_media(settings),
            polls=_polls(),
            translation=Translation(enabled=False),
        ),
        registrations=_registrations(settings),
        api_versions=API_VERSIONS,
        contact=Contact(email="", account=contact),
        rules=[],
    )
