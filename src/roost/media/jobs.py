"""Background jobs of the media domain.

``process_media``: the pending upload is fetched from the blob store (so
any worker can run it), processed in a bounded slot of this process
(``MediaRuntime``), the results stored under fresh keys, and the row moved
to ``ready`` (or ``failed`` with the reason) only if it is still waiting for
them. A custom thumbnail sent later is processed by the same job.

``delete_blobs``: blobs of deleted attachments (a deleted upload, a deleted
status or account, the sweep of unattached uploads).

Both are idempotent: a second run finds nothing left to do.
"""

from __future__ import annotations

import logging
import secrets
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from roost.infra.blobs import BlobMissing
from roost.infra.metrics import MEDIA_PROCESSING_SECONDS
from roost.jobs.runner import Job, JobHandler
from roost.kernel.errors import Unprocessable
from roost.media.pipeline import process_upload, thumbnail
from roost.media.profile import process_profile_image
from roost.media.records import FAILED, PROCESSING, READY
from roost.media.sniff import sniff_file
from roost.media.store import MEDIA, load_row

if TYPE_CHECKING:
    from roost.services import Services

log = logging.getLogger("roost.media")
_m = MEDIA
MAX_ERROR = 300


async def process_media(job: Job) -> None:
    services = job.services
    media_id = int(job.payload["media_id"])
    async with services.db.read(primary=True) as conn:
        row = await load_row(conn, media_id)
    if row is None:
        return
    try:
        if row.state == PROCESSING:
            with MEDIA_PROCESSING_SECONDS.time():
                await _process_upload(services, row)
        elif row.state == READY and row.thumbnail_upload_key:
            await _process_thumbnail(services, row)
    finally:
        services.media.finished(media_id)


async def _fetch(services: Services, key: str, path: Path) -> bool:
    try:
        await services.blobs.get_to_file(key, path)
    except BlobMissing:
        return False
    return True


async def _process_upload(services: Services, row: Any) -> None:
    async with services.media.slot():
        with tempfile.TemporaryDirectory(prefix="media-") as tmp:
            workdir = Path(tmp)
            source = workdir / "upload"
            if not await _fetch(services, row.upload_key, source):
                await _fail(services, row, "The upload was lost before it was processed")
                return
            custom: Path | None = None
            if row.thumbnail_upload_key:
                custom = workdir / "thumbnail-upload"
                if not await _fetch(services, row.thumbnail_upload_key, custom):
                    custom = None
            try:
                done = await process_upload(
                    sniff_file(source).family, source, workdir, services.settings
                )
                small, blurhash = done.small, done.blurhash
                if custom is not None:
                    thumbs = workdir / "thumbnail"
                    thumbs.mkdir()
                    small, blurhash = await thumbnail(custom, thumbs, services.settings)
            except Unprocessable as exc:
                await _fail(services, row, exc.message)
                return
            except Exception:
                # A decoder's own bug on a hostile file would fail the same way
                # on every retry: the upload fails now, with the trace logged.
                log.exception("media %s could not be processed", row.id)
                await _fail(services, row, "The file could not be processed")
                return
            base = f"media/{row.id}/{secrets.token_hex(8)}"
            file_key = f"{base}/original.{done.original.extension}"
            preview_key = f"{base}/small.{small.extension}"
            blobs = services.blobs
            await blobs.put_file(
                file_key, done.original.path, content_type=done.original.content_type
            )
            await blobs.put_file(preview_key, small.path, content_type=small.content_type)
            meta = dict(done.meta)
            meta["small"] = small.meta()
            async with services.db.write() as conn:
                result = await conn.execute(
                    _m.update()
                    .where(_m.c.id == row.id, _m.c.state == PROCESSING)
                    .values(
                        state=READY,
                        kind=done.kind,
                        file_key=file_key,
                        preview_key=preview_key,
                        file_size=done.original.path.stat().st_size,
                        meta=meta,
                        blurhash=blurhash,
                        upload_key=None,
                        thumbnail_upload_key=None,
                        processed_at=datetime.now(UTC),
                    )
                )
            if result.rowcount == 0:
                # Deleted (or done by another worker) meanwhile: drop ours.
                await blobs.delete([file_key, preview_key])
                return
            await blobs.delete([k for k in (row.upload_key, row.thumbnail_upload_key) if k])


async def _process_thumbnail(services: Services, row: Any) -> None:
    async with services.media.slot():
        with tempfile.TemporaryDirectory(prefix="media-") as tmp:
            workdir = Path(tmp)
            source = workdir / "thumbnail-upload"
            key = row.thumbnail_upload_key
            if not await _fetch(services, key, source):
                return
            try:
                small, blurhash = await thumbnail(source, workdir, services.settings)
            except Unprocessable as exc:
                log.info("media %s: thumbnail refused: %s", row.id, exc.message)
                async with services.db.write() as conn:
                    await conn.execute(
                        _m.update()
                        .where(_m.c.id == row.id, _m.c.thumbnail_upload_key == key)
                        .values(thumbnail_upload_key=None)
                    )
                await services.blobs.delete([key])
                return
            preview_key = f"media/{row.id}/{secrets.token_hex(8)}/small.{small.extension}"
            await services.blobs.put_file(preview_key, small.path, content_type=small.content_type)
            meta = dict(row.meta or {})
            meta["small"] = small.meta()
            async with services.db.write() as conn:
                result = await conn.execute(
                    _m.update()
                    .where(_m.c.id == row.id, _m.c.thumbnail_upload_key == key)
                    .values(
                        preview_key=preview_key,
                        blurhash=blurhash,
                        meta=meta,
                        thumbnail_upload_key=None,
                    )
                )
            if result.rowcount == 0:
                await services.blobs.delete([preview_key])
                return
            await services.blobs.delete([k for k in (key, row.preview_key) if k])


async def _fail(services: Services, row: Any, reason: str) -> None:
    async with services.db.write() as conn:
        await conn.execute(
            _m.update()
            .where(_m.c.id == row.id, _m.c.state == PROCESSING)
            .values(
                state=FAILED,
                error=reason[:MAX_ERROR],
                upload_key=None,
                thumbnail_upload_key=None,
                processed_at=datetime.now(UTC),
            )
        )
    await services.blobs.delete([k for k in (row.upload_key, row.thumbnail_upload_key) if k])


async def delete_blobs(job: Job) -> None:
    keys = [str(k) for k in job.payload.get("keys", [])]
    if keys:
        await job.services.blobs.delete(keys)


JOB_HANDLERS: dict[str, JobHandler] = {
    "process_media": process_media,
    "delete_blobs": delete_blobs,
    "process_profile_image": process_profile_image,
}
