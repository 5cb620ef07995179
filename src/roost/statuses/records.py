"""The cached, internal form of a status row."""

from __future__ import annotations

from datetime import datetime

import msgspec

from roost.media.records import MediaRecord

# Stored as a small integer in statuses.visibility; the index is the code.
VISIBILITIES = ("public", "unlisted", "private", "direct")
PUBLIC, UNLISTED, PRIVATE, DIRECT = range(4)


def visibility_code(name: str) -> int | None:
    """The stored code of a Mastodon visibility name, None when unknown."""
    try:
        return VISIBILITIES.index(name)
    except ValueError:
        return None


class StatusRecord(msgspec.Struct, array_like=True, frozen=True):
    """Everything needed to render a Status, kept compact for the cache.

    Frozen: a record read from the cache is shared by every reader of the
    process (``statuses.store.decode_status``); a changed record is a new
    one (``msgspec.structs.replace``). Its lists are filled only while a
    record is built from the database, never afterwards.

    Mentions, tags and media attachments travel with the status so that a cached status renders
    without touching the database. The favourite/reblog/reply counts do not:
    they change far more often and are cached on their own (counters.py).
    """

    id: int
    account_id: int
    text: str
    content: str
    spoiler_text: str
    sensitive: bool
    visibility: int
    language: str | None
    in_reply_to_id: int | None
    in_reply_to_account_id: int | None
    reblog_of_id: int | None
    place_name: str | None
    latitude: float | None
    longitude: float | None
    created_at: datetime
    edited_at: datetime | None
    mention_ids: list[int] = []
    tags: list[str] = []
    # Attachments, in order: immutable once attached, so they travel (and
    # are cached) with the status.
    media: list[MediaRecord] = []
    # Last, with a default: records cached before polls existed still decode.
    poll_id: int | None = None

    @property
    def is_reblog(self) -> bool:
        return self.reblog_of_id is not None
