"""The cached, internal form of a processed attachment (travels inside the
status record it is attached to, see ``roost.statuses.records``)."""

from __future__ import annotations

from typing import Any

import msgspec

# Mastodon's MediaAttachment types that Roost produces.
IMAGE, GIFV, VIDEO = "image", "gifv", "video"
KINDS = (IMAGE, GIFV, VIDEO)
# Processing states of a media_attachments row.
PROCESSING, READY, FAILED = "processing", "ready", "failed"


class MediaRecord(msgspec.Struct, array_like=True):
    """Everything needed to render a MediaAttachment. Blob keys, not URLs:
    the URL is made at render time from the media base URL (a CDN host can
    change without rewriting anything)."""

    id: int
    kind: str
    file_key: str | None
    preview_key: str | None
    # Mastodon's meta (original, small; video: duration, fps, bitrate...),
    # without the focus, which is kept apart.
    meta: dict[str, Any] | None
    description: str
    focus_x: float
    focus_y: float
    blurhash: str | None
