"""Uploading, viewing, editing and deleting media attachments.

An upload is checked in the request only as far as is cheap (its real type
from its first bytes, its size, an image's pixel count from its header),
then stored as it came under a pending key of the blob store, so that any
worker, on any machine, can process it; the row and its ``process_media``
job are committed in one transaction. Everything slow happens in the job
(``roost.media.jobs``).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import math
import secrets
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from roost.config import Settings
from roost.jobs.queue import enqueue
from roost.kernel.errors import NotFound, Unprocessable, ValidationFailed
from roost.limits import spend_media_upload
from roost.media import images
from roost.media.records import FAILED, IMAGE, PROCESSING, VIDEO, MediaRecord
from roost.media.sniff import Sniffed, sniff_bytes, sniff_file
from roost.media.store import MEDIA, blob_keys, load_row, record_of

if TYPE_CHECKING:
    from roost.services import Services

MAX_DESCRIPTION = 1_500
_m = MEDIA


@dataclasses.dataclass(frozen=True, slots=True)
class MediaState:
    """A media row as its owner sees it: the record, and where processing is."""

    record: MediaRecord
    state: str
    error: str | None
    attached: bool


def parse_focus(raw: str | None) -> tuple[float, float] | None:
    """Mastodon's focal point ``"x,y"``, each in [-1, 1]."""
    if raw is None or raw == "":
        return None
    parts = raw.split(",")
    try:
        x, y = (float(p) for p in parts)
    except ValueError:
        raise ValidationFailed("Focus must be two numbers: x,y") from None
    if not all(math.isfinite(v) and -1.0 <= v <= 1.0 for v in (x, y)):
        raise ValidationFailed("Focus values must be between -1.0 and 1.0")
    return x, y


def check_description(description: str | None) -> str | None:
    if description is not None and len(description) > MAX_DESCRIPTION:
        raise ValidationFailed(f"Description is too long (maximum is {MAX_DESCRIPTION} characters)")
    return description


def _megabytes(limit: int) -> str:
    return f"{limit / (1024 * 1024):.0f} MB"


def size_limit(settings: Settings, family: str) -> int:
    if family == "image":
        return settings.media_max_image_bytes
    return settings.media_max_video_bytes


def upload_limit(settings: Settings, field: str, head: bytes) -> int:
    """The largest size an upload may have, known from its first bytes while
    it streams in: a file of a type Roost does not take is refused there."""
    if not head:
        return 0
    sniffed = sniff_bytes(head)
    if field != "file" and sniffed.family != "image":
        raise Unprocessable(f"The {field} must be an image")
    return size_limit(settings, sniffed.family)


async def check_upload(services: Services, path: Path, *, size: int) -> Sniffed:
    """The upload's real type; Unprocessable when it is of none Roost takes,
    too large for its kind, or an image too large to decode."""
    settings = services.settings
    if size == 0:
        raise Unprocessable("The file is empty")
    sniffed = sniff_file(path)
    limit = size_limit(settings, sniffed.family)
    if size > limit:
        raise Unprocessable(f"The file is too large (at most {_megabytes(limit)})")
    if sniffed.family == "image":
        await asyncio.to_thread(
            images.check_header, path, max_pixels=settings.media_max_image_pixels
        )
    return sniffed


async def _check_thumbnail(services: Services, path: Path, size: int) -> None:
    sniffed = await check_upload(services, path, size=size)
    if sniffed.family != "image":
        raise Unprocessable("The thumbnail must be an image")


def _pending_key(media_id: int, name: str) -> str:
    return f"uploads/{media_id}/{secrets.token_hex(8)}/{name}"


@dataclasses.dataclass(frozen=True, slots=True)
class UploadedFile:
    path: Path
    size: int


async def upload_media(
    services: Services,
    *,
    account_id: int,
    file: UploadedFile,
    thumbnail: UploadedFile | None = None,
    description: str | None = None,
    focus: str | None = None,
) -> int:
    """Accept an upload for processing; returns the new attachment's id."""
    check_description(description)
    point = parse_focus(focus) or (0.0, 0.0)
    sniffed = await check_upload(services, file.path, size=file.size)
    if thumbnail is not None:
        await _check_thumbnail(services, thumbnail.path, thumbnail.size)
    await spend_media_upload(services, account_id=account_id)
    media_id = services.ids.next_id()
    upload_key = _pending_key(media_id, "file")
    thumbnail_key = _pending_key(media_id, "thumbnail") if thumbnail is not None else None
    stored: list[str] = []
    try:
        await services.blobs.put_file(upload_key, file.path, content_type=sniffed.content_type)
        stored.append(upload_key)
        if thumbnail is not None and thumbnail_key is not None:
            await services.blobs.put_file(
                thumbnail_key, thumbnail.path, content_type="application/octet-stream"
            )
            stored.append(thumbnail_key)
        async with services.db.write() as conn:
            await conn.execute(
                _m.insert().values(
                    id=media_id,
                    account_id=account_id,
                    kind=IMAGE if sniffed.family == "image" else VIDEO,
                    state=PROCESSING,
                    upload_key=upload_key,
                    thumbnail_upload_key=thumbnail_key,
                    description=description or "",
                    focus_x=point[0],
                    focus_y=point[1],
                    created_at=datetime.now(UTC),
                )
            )
            await enqueue(conn, services.ids, "process_media", {"media_id": media_id})
    except BaseException:
        # Nothing half-written: the pending blobs go with the failed request.
        await asyncio.shield(services.blobs.delete(stored))
        raise
    services.jobs.notify()
    return media_id


def _state_of(row: Any) -> MediaState:
    return MediaState(
        record=record_of(row),
        state=str(row.state),
        error=row.error,
        attached=row.status_id is not None,
    )


async def load_own_media(services: Services, *, account_id: int, media_id: int) -> MediaState:
    """One of the caller's attachments; NotFound for anyone else's."""
    async with services.db.read(primary=True) as conn:
        row = await load_row(conn, media_id)
    if row is None or row.account_id != account_id:
        raise NotFound()
    return _state_of(row)


async def wait_processed(
    services: Services, *, account_id: int, media_id: int, seconds: float
) -> MediaState:
    """The attachment once processing is over, or as it is after ``seconds``
    seconds. Woken at once by this process's workers, and checks the database
    twice a second for workers elsewhere."""
    deadline = time.monotonic() + seconds
    while True:
        event = services.media.waiter(media_id)
        try:
            found = await load_own_media(services, account_id=account_id, media_id=media_id)
            remaining = deadline - time.monotonic()
            if found.state != PROCESSING or remaining <= 0:
                return found
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), timeout=min(remaining, 0.5))
        finally:
            services.media.forget(media_id, event)


async def discard_failed(services: Services, state: MediaState, *, account_id: int) -> None:
    """Remove a failed upload whose failure the client is being told about
    now (nothing is left behind of a refused file)."""
    if state.state == FAILED:
        await delete_media(services, account_id=account_id, media_id=state.record.id)


async def update_media(
    services: Services,
    *,
    account_id: int,
    media_id: int,
    description: str | None,
    focus: str | None,
    thumbnail: UploadedFile | None = None,
) -> MediaState:
    """Change an unattached attachment's description, focus or thumbnail."""
    check_description(description)
    point = parse_focus(focus)
    if thumbnail is not None:
        await _check_thumbnail(services, thumbnail.path, thumbnail.size)
    values: dict[str, Any] = {}
    if description is not None:
        values["description"] = description
    if point is not None:
        values["focus_x"], values["focus_y"] = point
    thumbnail_key = _pending_key(media_id, "thumbnail") if thumbnail is not None else None
    if thumbnail is not None and thumbnail_key is not None:
        await services.blobs.put_file(
            thumbnail_key, thumbnail.path, content_type="application/octet-stream"
        )
    replaced: list[str] = []
    try:
        async with services.db.write() as conn:
            row = await load_row(conn, media_id)
            if row is None or row.account_id != account_id or row.status_id is not None:
                raise NotFound()
            if thumbnail_key is not None:
                values["thumbnail_upload_key"] = thumbnail_key
                if row.thumbnail_upload_key:
                    replaced.append(row.thumbnail_upload_key)
                if row.state != PROCESSING:
                    await enqueue(conn, services.ids, "process_media", {"media_id": media_id})
            if values:
                await conn.execute(_m.update().where(_m.c.id == media_id).values(**values))
    except BaseException:
        if thumbnail_key is not None:
            await asyncio.shield(services.blobs.delete([thumbnail_key]))
        raise
    if replaced:
        await services.blobs.delete(replaced)
    if thumbnail_key is not None:
        services.jobs.notify()
    return await load_own_media(services, account_id=account_id, media_id=media_id)


async def delete_media(services: Services, *, account_id: int, media_id: int) -> None:
    """Delete an unattached attachment; its blobs go by a job."""
    async with services.db.write() as conn:
        row = await load_row(conn, media_id)
        if row is None or row.account_id != account_id:
            raise NotFound()
        if row.status_id is not None:
            raise Unprocessable("Media attachment is currently used by a status")
        await conn.execute(_m.delete().where(_m.c.id == media_id))
        keys = blob_keys(row)
        if keys:
            await enqueue(conn, services.ids, "delete_blobs", {"keys": keys})
    services.jobs.notify()


async def sweep_unattached(services: Services, *, older_than_hours: float) -> int:
    """Delete uploads never attached to a status within ``older_than_hours``;
    returns how many. Their blobs go by ``delete_blobs`` jobs."""
    cutoff = datetime.now(UTC).timestamp() - older_than_hours * 3600
    limit = datetime.fromtimestamp(cutoff, UTC)
    removed = 0
    while True:
        async with services.db.write() as conn:
            rows = (
                await conn.execute(
                    sa.select(_m)
                    .where(_m.c.status_id.is_(None), _m.c.created_at < limit)
                    .order_by(_m.c.created_at)
                    .limit(500)
                )
            ).all()
            if not rows:
                break
            ids = [r.id for r in rows]
            await conn.execute(_m.delete().where(_m.c.id.in_(ids), _m.c.status_id.is_(None)))
            keys = [key for row in rows for key in blob_keys(row)]
            if keys:
                await enqueue(conn, services.ids, "delete_blobs", {"keys": keys})
        removed += len(rows)
    services.jobs.notify()
    return removed
