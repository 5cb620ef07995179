"""Static files under ``/static``: the default avatar, header and instance
thumbnail that API entities link to when nothing was uploaded."""

from __future__ import annotations

from pathlib import Path

from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from starlette.types import Message, Receive, Scope, Send

STATIC_DIR = Path(__file__).resolve().parent / "static"
# The files change only with a release; a day keeps clients from asking for
# every avatar on every timeline page while a new release is seen soon enough.
CACHE_CONTROL = b"public, max-age=86400"


class _CachedStaticFiles:
    """StaticFiles plus a Cache-Control header on what it serves."""

    def __init__(self, directory: Path) -> None:
        self._files = StaticFiles(directory=directory)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_cache(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] in (200, 206, 304):
                message["headers"] = [
                    *message.get("headers", []),
                    (b"cache-control", CACHE_CONTROL),
                ]
            await send(message)

        await self._files(scope, receive, send_with_cache)


def static_mount() -> Mount:
    return Mount("/static", app=_CachedStaticFiles(STATIC_DIR), name="static")
