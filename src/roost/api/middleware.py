"""Headers every response gets, CORS for the API, and the request id, as
pure ASGI.

Pure ASGI (no BaseHTTPMiddleware): on the home timeline read, the hot path,
this is one path check, one header scan and one list concatenation.

Request id. Each request gets an id, set in a context variable that every
log line written while handling it carries (``roost.logs``) and returned as
``X-Request-Id``. A request that arrives with a sane ``X-Request-Id`` (1 to
128 letters, digits and ``.-_:``; what HAProxy's ``unique-id-format`` or
another proxy writes) keeps it, so one id follows the request through the
proxy's log and Roost's; anything else is replaced by 16 random hex digits.

Errors. An exception that escapes a handler is logged once, with its
traceback, by Roost's handler (``api.errors.handle_unexpected``), which
also answers the 500; Starlette then re-raises it for the server, and
uvicorn would log it a second time. It stops here instead.

CORS follows Mastodon: the REST API, the token endpoints and ``/.well-known``
may be called from any origin, without credentials (tokens travel in the
``Authorization`` header, never in cookies), and scripts may read ``Link``
and the rate limit headers. The HTML authorize pages get no CORS headers.
"""

from __future__ import annotations

import os
import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from roost.logs import REQUEST_ID

Headers = list[tuple[bytes, bytes]]

_NOSNIFF: Headers = [(b"x-content-type-options", b"nosniff")]
EXPOSED_HEADERS = (
    "Link",
    "X-RateLimit-Limit",
    "X-RateLimit-Remaining",
    "X-RateLimit-Reset",
    "Retry-After",
)
_CORS: Headers = [
    *_NOSNIFF,
    (b"access-control-allow-origin", b"*"),
    (b"access-control-expose-headers", ", ".join(EXPOSED_HEADERS).encode()),
]
# Answered to a preflight that asks for headers we cannot echo back.
DEFAULT_ALLOWED_HEADERS = "Authorization, Content-Type, Idempotency-Key, Accept, Accept-Language"
PREFLIGHT_MAX_AGE = "7200"
_API_METHODS = "GET, POST, PUT, PATCH, DELETE, OPTIONS"
_TOKEN_METHODS = "POST, OPTIONS"
_WELL_KNOWN_METHODS = "GET, OPTIONS"
# A comma-separated list of header names (RFC 9110 tokens).
_TOKEN = r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+"
_HEADER_LIST = re.compile(rf"{_TOKEN}(?:[ \t]*,[ \t]*{_TOKEN})*")
_MAX_REQUESTED_HEADERS = 1000
_SANE_REQUEST_ID = re.compile(rb"[A-Za-z0-9._:\-]{1,128}")
_REQUEST_ID = b"x-request-id"


def request_id(scope: Scope) -> bytes:
    """The incoming ``X-Request-Id`` when sane, else a new random one."""
    given = _header(scope, _REQUEST_ID)
    if given is not None and _SANE_REQUEST_ID.fullmatch(given):
        return given
    return os.urandom(8).hex().encode()


def cors_methods(path: str) -> str | None:
    """The methods a cross-origin caller may use on ``path``; None: no CORS there."""
    if path.startswith("/api/"):
        return _API_METHODS
    if path in ("/oauth/token", "/oauth/revoke"):
        return _TOKEN_METHODS
    if path.startswith("/.well-known/"):
        return _WELL_KNOWN_METHODS
    return None


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope["headers"]:
        if key == name:
            return bytes(value)
    return None


def _allowed_headers(requested: bytes | None) -> bytes:
    # Like Mastodon, any header the caller asks for (there are no cookies to
    # protect); something that is not a list of header names gets the default.
    if requested is not None and len(requested) <= _MAX_REQUESTED_HEADERS:
        text = requested.decode("latin-1").strip()
        if _HEADER_LIST.fullmatch(text):
            return text.encode()
    return DEFAULT_ALLOWED_HEADERS.encode()


async def _preflight(scope: Scope, send: Send, methods: str) -> None:
    headers: Headers = [
        *_CORS,
        (b"access-control-allow-methods", methods.encode()),
        (
            b"access-control-allow-headers",
            _allowed_headers(_header(scope, b"access-control-request-headers")),
        ),
        (b"access-control-max-age", PREFLIGHT_MAX_AGE.encode()),
        (b"vary", b"Access-Control-Request-Headers"),
    ]
    await send({"type": "http.response.start", "status": 204, "headers": headers})
    await send({"type": "http.response.body", "body": b""})


class ResponseHeaders:
    """``X-Content-Type-Options: nosniff`` everywhere; CORS on the API paths,
    with preflight requests answered here (the routes declare no OPTIONS)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        methods = cors_methods(scope["path"])
        if (
            methods is not None
            and scope["method"] == "OPTIONS"
            and _header(scope, b"access-control-request-method") is not None
        ):
            await _preflight(scope, send, methods)
            return
        rid = request_id(scope)
        extra = [*(_NOSNIFF if methods is None else _CORS), (_REQUEST_ID, rid)]
        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message["headers"] = [*message.get("headers", ()), *extra]
            await send(message)

        token = REQUEST_ID.set(rid.decode("ascii"))
        try:
            await self.app(scope, receive, send_with_headers)
        except Exception:
            if not started:
                raise
            # Logged with its traceback and answered (500) by the handler.
        finally:
            REQUEST_ID.reset(token)
