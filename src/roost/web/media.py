"""Serving the local blob store under ``/system/media/``.

Only processed files are served (``media/``, ``avatars/``, ``headers/``):
raw uploads waiting for a worker still carry their metadata and are never
public. Keys are immutable (a new file gets a new key), so responses may be
cached for a year; ETag, Last-Modified and Range requests (a video player
seeking) are answered by Starlette's FileResponse.
"""

from __future__ import annotations

import os
import stat

from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from roost.infra.blobs import InvalidKey, LocalBlobStore

PREFIX = "/system/media"
PUBLIC_FOLDERS = ("media/", "avatars/", "headers/")
CACHE_CONTROL = "public, max-age=31536000, immutable"
CONTENT_TYPES = {
    "jpg": "image/jpeg",
    "png": "image/png",
    "gif": "image/gif",
    "webp": "image/webp",
    "mp4": "video/mp4",
}


def _not_found() -> Response:
    return Response(b'{"error":"Not found"}', status_code=404, media_type="application/json")


async def serve_media(request: Request) -> Response:
    store = request.app.state.services.blobs
    key = str(request.path_params["key"])
    if not isinstance(store, LocalBlobStore) or not key.startswith(PUBLIC_FOLDERS):
        return _not_found()
    content_type = CONTENT_TYPES.get(key.rsplit(".", 1)[-1].lower())
    try:
        path = store.path_for(key)
        found = os.stat(path)
    except (InvalidKey, OSError):
        return _not_found()
    if content_type is None or not stat.S_ISREG(found.st_mode):
        return _not_found()
    response = FileResponse(path, media_type=content_type, stat_result=found)
    response.headers["cache-control"] = CACHE_CONTROL
    etag = response.headers["etag"]
    if etag in [t.strip() for t in request.headers.get("if-none-match", "").split(",")]:
        headers = {"etag": etag, "cache-control": CACHE_CONTROL}
        return Response(status_code=304, headers=headers)
    return response


def media_route() -> Route:
    return Route(PREFIX + "/{key:path}", serve_media, methods=["GET", "HEAD"])
