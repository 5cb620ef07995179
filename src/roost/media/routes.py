"""HTTP routes of the media domain: uploads (streamed to disk), the state of
an attachment, its description/focus/thumbnail, its deletion."""

from __future__ import annotations

import msgspec
from starlette.responses import Response

from roost.api.responses import json_response
from roost.api.routing import Context, Router
from roost.api.uploads import received_upload
from roost.kernel.errors import Unprocessable, ValidationFailed
from roost.media.entities import MediaAttachment
from roost.media.records import FAILED, PROCESSING
from roost.media.serializers import serialize_media
from roost.media.service import (
    MediaState,
    UploadedFile,
    delete_media,
    discard_failed,
    load_own_media,
    update_media,
    upload_limit,
    upload_media,
    wait_processed,
)

router = Router("media")

# How long POST /api/v2/media waits for a worker of this process before it
# answers 202 (most photos are done well within it); POST /api/v1/media,
# synchronous for older clients, waits up to SYNC_WAIT.
QUICK_WAIT = 2.0
SYNC_WAIT = 60.0


class MediaForm(msgspec.Struct, kw_only=True):
    """The text fields of an upload (the files are ``file`` and ``thumbnail``)
    and of ``PUT /api/v1/media/:id``."""

    description: str | None = None
    focus: str | None = None


def _uploaded(ctx: Context, name: str) -> UploadedFile | None:
    form = received_upload(ctx.request)
    found = form.files.get(name) if form is not None else None
    return None if found is None else UploadedFile(found.path, found.size)


def _render(ctx: Context, found: MediaState) -> Response:
    entity = serialize_media(ctx.services.settings, found.record)
    return json_response(entity, status=202 if found.state == PROCESSING else 200)


async def _upload(ctx: Context, form: MediaForm, *, wait: float) -> Response:
    services = ctx.services
    file = _uploaded(ctx, "file")
    if file is None:
        raise ValidationFailed("File can't be blank")
    media_id = await upload_media(
        services,
        account_id=ctx.user_id,
        file=file,
        thumbnail=_uploaded(ctx, "thumbnail"),
        description=form.description,
        focus=form.focus,
    )
    # Only a worker of this process wakes the wait early; without one (the
    # workers are `roost worker` processes) the database is polled.
    found = await wait_processed(services, account_id=ctx.user_id, media_id=media_id, seconds=wait)
    if found.state == FAILED:
        await discard_failed(services, found, account_id=ctx.user_id)
        raise Unprocessable(found.error or "The file could not be processed")
    return _render(ctx, found)


@router.post(
    "/api/v2/media",
    summary="Upload a photo or video (multipart: file, thumbnail, description, focus); "
    "202 while it is processed",
    auth="user",
    scope="write:media",
    response=MediaAttachment,
    also=(202,),
    uploads=("file", "thumbnail"),
    upload_limit=upload_limit,
)
async def upload_v2(ctx: Context, form: MediaForm) -> Response:
    wait = QUICK_WAIT if ctx.services.settings.run_workers else 0.0
    return await _upload(ctx, form, wait=wait)


@router.post(
    "/api/v1/media",
    summary="Upload a photo or video and wait until it is processed (older clients)",
    auth="user",
    scope="write:media",
    response=MediaAttachment,
    also=(202,),
    uploads=("file", "thumbnail"),
    upload_limit=upload_limit,
)
async def upload_v1(ctx: Context, form: MediaForm) -> Response:
    return await _upload(ctx, form, wait=SYNC_WAIT)


@router.get(
    "/api/v1/media/{id:int}",
    summary="An uploaded attachment: 206 while processed, 422 when processing failed",
    auth="user",
    scope=("read:media", "write:media"),
    response=MediaAttachment,
    also=(206,),
    errors=(422,),
)
async def get_media(ctx: Context) -> Response:
    found = await load_own_media(ctx.services, account_id=ctx.user_id, media_id=ctx.path_id())
    if found.state == FAILED:
        raise Unprocessable(found.error or "The file could not be processed")
    entity = serialize_media(ctx.services.settings, found.record)
    return json_response(entity, status=206 if found.state == PROCESSING else 200)


@router.put(
    "/api/v1/media/{id:int}",
    summary="Change an unattached attachment's description, focus or thumbnail",
    auth="user",
    scope="write:media",
    response=MediaAttachment,
    also=(206,),
    uploads=("thumbnail",),
    upload_limit=upload_limit,
)
async def put_media(ctx: Context, form: MediaForm) -> Response:
    found = await update_media(
        ctx.services,
        account_id=ctx.user_id,
        media_id=ctx.path_id(),
        description=form.description,
        focus=form.focus,
        thumbnail=_uploaded(ctx, "thumbnail"),
    )
    entity = serialize_media(ctx.services.settings, found.record)
    return json_response(entity, status=206 if found.state == PROCESSING else 200)


@router.delete(
    "/api/v1/media/{id:int}",
    summary="Delete an attachment that no status uses",
    auth="user",
    scope="write:media",
    response=MediaAttachment,
    errors=(422,),
)
async def remove_media(ctx: Context) -> Response:
    found = await load_own_media(ctx.services, account_id=ctx.user_id, media_id=ctx.path_id())
    await delete_media(ctx.services, account_id=ctx.user_id, media_id=found.record.id)
    return json_response(serialize_media(ctx.services.settings, found.record))
