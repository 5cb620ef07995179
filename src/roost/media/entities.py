"""Mastodon's MediaAttachment entity, as sent to clients."""

from __future__ import annotations

from typing import Any

import msgspec


class MediaAttachment(msgspec.Struct, kw_only=True):
    """A photo, GIF (as ``gifv``) or video. While it is processed ``url`` is
    null; ``remote_url`` is always null (nothing is federated)."""

    id: str
    type: str
    url: str | None
    preview_url: str | None
    remote_url: str | None = None
    meta: dict[str, Any]
    description: str | None
    blurhash: str | None
