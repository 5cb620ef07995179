"""Avatars and headers: uploaded with ``update_credentials``, processed by a
job like any other image (cropped to fill, metadata stripped), stored in the
blob store under ``avatars/`` and ``headers/``.

An account row holds the blob key of its picture. An animated GIF stays
animated (``avatar``) and gets a still first frame (``avatar_static``),
stored next to it as ``static.<ext>``; a still picture is both.
"""

from __future__ import annotations

import asyncio
import secrets
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa

from roost.accounts.store import forget_accounts
from roost.db import schema
from roost.infra.blobs import BlobMissing
from roost.jobs.queue import enqueue
from roost.jobs.runner import Job
from roost.kernel.errors import Unprocessable
from roost.media import images
from roost.media.profile_keys import ANIMATED_NAME, STATIC_NAME, profile_keys, static_key
from roost.media.service import UploadedFile, check_upload

if TYPE_CHECKING:
    from roost.services import Services

# (column, folder, size) of each kind of profile picture (Mastodon's sizes).
KINDS = {
    "avatar": ("avatar_url", "avatars", (400, 400)),
    "header": ("header_url", "headers", (1500, 500)),
}
_a = schema.accounts


async def check_profile_image(services: Services, *, kind: str, file: UploadedFile) -> None:
    """422 unless the file is an image Roost can take (checked before any
    other change of the profile is written)."""
    sniffed = await check_upload(services, file.path, size=file.size)
    if sniffed.family != "image":
        raise Unprocessable(f"The {kind} must be an image")


async def upload_profile_image(
    services: Services, *, account_id: int, kind: str, file: UploadedFile, wait: float
) -> None:
    """Accept a new avatar or header; it replaces the old one once processed
    (waiting up to ``wait`` seconds for a worker of this process)."""
    sniffed = await check_upload(services, file.path, size=file.size)
    if sniffed.family != "image":
        raise Unprocessable(f"The {kind} must be an image")
    upload_id = services.ids.next_id()
    key = f"uploads/{upload_id}/{secrets.token_hex(8)}/{kind}"
    await services.blobs.put_file(key, file.path, content_type=sniffed.content_type)
    try:
        async with services.db.write() as conn:
            await enqueue(
                conn,
                services.ids,
                "process_profile_image",
                {"account_id": account_id, "kind": kind, "key": key, "upload_id": upload_id},
            )
    except BaseException:
        await asyncio.shield(services.blobs.delete([key]))
        raise
    services.jobs.notify()
    if wait > 0:
        event = services.media.waiter(upload_id)
        try:
            await asyncio.wait_for(event.wait(), timeout=wait)
        except TimeoutError:
            pass
        finally:
            services.media.forget(upload_id, event)


async def process_profile_image(job: Job) -> None:
    services = job.services
    account_id = int(job.payload["account_id"])
    kind = str(job.payload["kind"])
    key = str(job.payload["key"])
    column, folder, size = KINDS[kind]
    try:
        await _process(services, account_id, column, folder, size, key)
    finally:
        services.media.finished(int(job.payload["upload_id"]))


async def _process(
    services: Services,
    account_id: int,
    column: str,
    folder: str,
    size: tuple[int, int],
    key: str,
) -> None:
    blobs = services.blobs
    async with services.media.slot():
        with tempfile.TemporaryDirectory(prefix="profile-") as tmp:
            workdir = Path(tmp)
            source = workdir / "upload"
            try:
                await blobs.get_to_file(key, source)
            except BlobMissing:
                return  # done before (jobs run at least once)
            try:
                done = await asyncio.to_thread(
                    images.profile_image,
                    source,
                    workdir,
                    max_pixels=services.settings.media_max_image_pixels,
                    size=size,
                )
            except Unprocessable:
                await blobs.delete([key])
                return
            base = f"{folder}/{account_id}/{secrets.token_hex(8)}"
            if done.static is None:
                new_key = f"{base}/{STATIC_NAME}.{done.image.extension}"
                stored = [new_key]
                await blobs.put_file(new_key, done.image.path, content_type=done.image.content_type)
            else:
                new_key = f"{base}/{ANIMATED_NAME}"
                still = static_key(new_key)
                stored = [new_key, still]
                await blobs.put_file(new_key, done.image.path, content_type="image/gif")
                await blobs.put_file(still, done.static.path, content_type=done.static.content_type)
    async with services.db.write() as conn:
        old = (await conn.execute(sa.select(_a.c[column]).where(_a.c.id == account_id))).scalar()
        if old is None:  # the account is gone
            await blobs.delete(stored)
            await blobs.delete([key])
            return
        await conn.execute(_a.update().where(_a.c.id == account_id).values({column: new_key}))
        replaced = [k for k in profile_keys(str(old)) if k]
        if replaced:
            await enqueue(conn, services.ids, "delete_blobs", {"keys": replaced})
    await forget_accounts(services, account_id)
    await blobs.delete([key])
    services.jobs.notify()
