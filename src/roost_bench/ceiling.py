"""The ceiling: bare apps that answer a fixed page of 20 statuses.

A Python server cannot serve Roost's home timeline faster than it can serve
a constant body of the same shape, so the benchmark measures these apps on
the same server and worker count and reports Roost as a share of them.

Each app is served by import string (``roost_bench.ceiling:starlette_app``).
The apps are built on first access through the module ``__getattr__`` so
that Litestar and FastAPI (the ``bench`` extra) are only imported when
their app is asked for.

Two variants per framework:

* ``<framework>_app``: the body is encoded once at import; the handler
  returns the bytes. This isolates the framework's per-request overhead.
* ``<framework>_encode_app``: the handler returns the 20 statuses as Python
  objects and lets the framework serialize them its idiomatic way, as a
  real handler would.
"""

# No ``from __future__ import annotations`` here: Litestar and FastAPI read
# the handlers' annotations at runtime, and the handlers' types are imported
# inside the factories, where string annotations could not be resolved.

import random
from collections.abc import Awaitable, Callable, MutableMapping
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec

PATH = "/api/v1/timelines/home"
PAGE_SIZE = 20

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

_WORDS = [
    "morning",
    "coffee",
    "train",
    "late",
    "again",
    "reading",
    "about",
    "distributed",
    "systems",
    "the",
    "new",
    "release",
    "ships",
    "today",
    "anyone",
    "tried",
    "it",
    "yet",
    "great",
    "talk",
    "at",
    "the",
    "meetup",
    "photos",
    "later",
    "weekend",
    "hike",
    "rain",
    "all",
    "day",
    "cat",
    "asleep",
    "on",
    "the",
    "keyboard",
    "benchmark",
    "numbers",
    "look",
    "good",
    "fixed",
    "that",
    "bug",
    "finally",
    "garden",
    "tomatoes",
    "are",
    "ripe",
]


def sample_statuses(count: int = PAGE_SIZE, *, seed: int = 20) -> list[dict[str, Any]]:
    """``count`` statuses with the common Mastodon fields and realistic values.

    About 300 bytes each once encoded (~6 KB for a page of 20, the size
    benchmark.md fixes): the id, creation time, visibility, language, a
    short HTML content, the counters and a compact author.
    """
    rng = random.Random(seed)
    start = datetime(2024, 5, 17, 9, 30, tzinfo=UTC)
    statuses: list[dict[str, Any]] = []
    for i in range(count):
        author_id = 110_000_000_000_000_000 + rng.randrange(10**9)
        username = f"{rng.choice(_WORDS)}_{rng.randrange(1000)}"
        text = " ".join(rng.choice(_WORDS) for _ in range(rng.randrange(5, 9)))
        created = start - timedelta(minutes=7 * i, seconds=rng.randrange(60))
        statuses.append(
            {
                "id": str(112_460_000_000_000_000 - i * 4_100_000_000),
                "created_at": created.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                "visibility": "public",
                "language": "en",
                "content": f"<p>{text}</p>",
                "replies_count": rng.randrange(4),
                "reblogs_count": rng.randrange(12),
                "favourites_count": rng.randrange(40),
                "account": {
                    "id": str(author_id),
                    "username": username,
                    "display_name": username.replace("_", " ").title(),
                },
            }
        )
    return statuses


STATUSES = sample_statuses()
BODY = msgspec.json.encode(STATUSES)

_HEADERS = [
    (b"content-type", b"application/json"),
    (b"content-length", str(len(BODY)).encode()),
]


async def raw_app(scope: Scope, receive: Receive, send: Send) -> None:
    """The least a Python ASGI app can do: answer every request with the body."""
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    await send({"type": "http.response.start", "status": 200, "headers": _HEADERS})
    await send({"type": "http.response.body", "body": BODY})


_encoder = msgspec.json.Encoder()


async def raw_encode_app(scope: Scope, receive: Receive, send: Send) -> None:
    """The raw app, encoding the statuses on every request."""
    if scope["type"] != "http":
        await raw_app(scope, receive, send)
        return
    body = _encoder.encode(STATUSES)
    headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _starlette(encode: bool) -> Any:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    async def page(request: Request) -> Response:
        body = _encoder.encode(STATUSES) if encode else BODY
        return Response(body, media_type="application/json")

    return Starlette(routes=[Route(PATH, page)])


def _litestar(encode: bool) -> Any:
    from litestar import Litestar, Response, get

    if encode:

        @get(PATH, sync_to_thread=False)
        def page_encoded() -> list[dict[str, Any]]:
            return STATUSES

        return Litestar(route_handlers=[page_encoded], openapi_config=None)

    @get(PATH, sync_to_thread=False)
    def page() -> Response[bytes]:
        return Response(BODY, media_type="application/json")

    return Litestar(route_handlers=[page], openapi_config=None)


def _fastapi(encode: bool) -> Any:
    from fastapi import FastAPI
    from fastapi.responses import Response

    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    if encode:

        @app.get(PATH)
        async def page_encoded() -> list[dict[str, Any]]:
            return STATUSES

    else:

        @app.get(PATH)
        async def page() -> Response:
            return Response(BODY, media_type="application/json")

    return app


_FACTORIES: dict[str, Callable[[bool], Any]] = {
    "starlette": _starlette,
    "litestar": _litestar,
    "fastapi": _fastapi,
}
FRAMEWORKS = ("raw", "starlette", "litestar", "fastapi")
_built: dict[str, Any] = {}


def app_name(framework: str, *, encode: bool = False) -> str:
    """The attribute name of a ceiling app, for an import string."""
    if framework not in FRAMEWORKS:
        raise ValueError(f"unknown framework {framework!r}")
    return f"{framework}_encode_app" if encode else f"{framework}_app"


def __getattr__(name: str) -> Any:
    for framework, factory in _FACTORIES.items():
        for encode in (False, True):
            if name == app_name(framework, encode=encode):
                if name not in _built:
                    _built[name] = factory(encode)
                return _built[name]
    raise AttributeError(name)
