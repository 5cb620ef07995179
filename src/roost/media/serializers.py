"""MediaRecord -> Mastodon MediaAttachment."""

from __future__ import annotations

from typing import Any

from roost.config import Settings
from roost.media.entities import MediaAttachment
from roost.media.records import MediaRecord


def media_url(settings: Settings, key: str | None) -> str | None:
    """The public URL of a blob key: the media base URL (Roost's own
    ``/system/media``, a bucket or a CDN host) and the key."""
    return None if key is None else f"{settings.media_base_url}/{key}"


def serialize_media(settings: Settings, record: MediaRecord) -> MediaAttachment:
    meta: dict[str, Any] = dict(record.meta or {})
    meta["focus"] = {"x": record.focus_x, "y": record.focus_y}
    return MediaAttachment(
        id=str(record.id),
        type=record.kind,
        url=media_url(settings, record.file_key),
        preview_url=media_url(settings, record.preview_key),
        meta=meta,
        description=record.description or None,
        blurhash=record.blurhash,
    )
