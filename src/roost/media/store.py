"""SQL access to ``media_attachments``."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.db import schema
from roost.media.records import MediaRecord

MEDIA = schema.media_attachments
_m = MEDIA

RECORD_COLUMNS = (
    _m.c.id,
    _m.c.kind,
    _m.c.file_key,
    _m.c.preview_key,
    _m.c.meta,
    _m.c.description,
    _m.c.focus_x,
    _m.c.focus_y,
    _m.c.blurhash,
)


def record_of(row: Any) -> MediaRecord:
    return MediaRecord(
        id=int(row.id),
        kind=str(row.kind),
        file_key=row.file_key,
        preview_key=row.preview_key,
        meta=dict(row.meta) if row.meta else None,
        description=row.description or "",
        focus_x=float(row.focus_x),
        focus_y=float(row.focus_y),
        blurhash=row.blurhash,
    )


async def load_row(conn: AsyncConnection, media_id: int) -> Any:
    return (await conn.execute(sa.select(_m).where(_m.c.id == media_id))).first()


async def fetch_for_statuses(
    conn: AsyncConnection, status_ids: Sequence[int]
) -> dict[int, list[MediaRecord]]:
    """The attachments of these statuses, in their order, by status id."""
    if not status_ids:
        return {}
    rows = await conn.execute(
        sa.select(_m.c.status_id, *RECORD_COLUMNS)
        .where(_m.c.status_id.in_(list(status_ids)))
        .order_by(_m.c.status_id, _m.c.position, _m.c.id)
    )
    found: dict[int, list[MediaRecord]] = {}
    for row in rows:
        found.setdefault(int(row.status_id), []).append(record_of(row))
    return found


def blob_keys(row: Any) -> list[str]:
    """Every blob a media row points at."""
    names = ("upload_key", "thumbnail_upload_key", "file_key", "preview_key")
    return [key for key in (getattr(row, n) for n in names) if key]


KEY_COLUMNS = (_m.c.upload_key, _m.c.thumbnail_upload_key, _m.c.file_key, _m.c.preview_key)


def keys_of_rows(rows: Iterable[Any]) -> list[str]:
    return [key for row in rows for key in row if key]
