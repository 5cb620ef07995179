"""Request metrics and ``GET /metrics``: a pure ASGI middleware, outermost.

Every HTTP request is counted and timed under its route template
(``/api/v1/statuses/{id:int}``, never the raw path, whose ids would make a
series per status), its method and its status code; a path no route matches
counts as ``unmatched`` (a CORS preflight, answered before routing, as
``preflight``). The template is the one Starlette's router left in
the scope. Cost per request: two clock reads and two updates of a metric
child looked up once per (method, route, status) and kept in a dict.

``GET /metrics`` answers the Prometheus text format of every process of
this server (see ``roost.infra.metrics``) when ``ROOST_METRICS_TOKEN`` is
set and the request carries it as a bearer token; without the setting the
path is not served (404), and a wrong or missing token gets a 401. It is not
part of the API: no rate limit, no OpenAPI entry, not counted itself.

With ``ROOST_SLOW_REQUEST_MS`` set, the same middleware opens a
``RequestCost`` for each request (``roost.infra.request_cost``) and logs one
line on the ``roost.slow`` logger for a request slower than the threshold:
method, route template, status, duration, request id, then what it cost
(SQL statements and their time, cache and timeline-store calls, cache misses
by key family, timeline rebuilds), then what stalled the process meanwhile
(garbage collections and event-loop stalls inside the request's time,
``roost.infra.stalls``). Streaming responses, which last as long
as their connection, are left out.
"""

from __future__ import annotations

import hmac
import logging
import time
from collections.abc import Awaitable, Callable

from prometheus_client.metrics import MetricWrapperBase
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from roost.infra import request_cost
from roost.infra.metrics import CONTENT_TYPE, HTTP_DURATION, HTTP_REQUESTS

METRICS_PATH = "/metrics"
STREAMING_PREFIX = "/api/v1/streaming"

slow_log = logging.getLogger("roost.slow")

Scrape = Callable[[Scope], Awaitable[bytes]]

_children: dict[tuple[str, str, int], tuple[MetricWrapperBase, MetricWrapperBase]] = {}


def _metric_children(
    method: str, route: str, status: int
) -> tuple[MetricWrapperBase, MetricWrapperBase]:
    key = (method, route, status)
    found = _children.get(key)
    if found is None:
        labels = (method, route, str(status))
        found = _children[key] = (HTTP_REQUESTS.labels(*labels), HTTP_DURATION.labels(*labels))
    return found


def route_template(scope: Scope) -> str:
    route = scope.get("route")
    path = getattr(route, "path", None)
    if isinstance(path, str) and path:
        return path
    # CORS preflights are answered before routing (roost.api.middleware).
    return "preflight" if scope["method"] == "OPTIONS" else "unmatched"


class MetricsMiddleware:
    def __init__(
        self, app: ASGIApp, *, token: str, scrape: Scrape, slow_request_ms: float = 0.0
    ) -> None:
        self.app = app
        self.token = f"Bearer {token}".encode() if token else b""
        self.scrape = scrape
        self.slow_seconds = slow_request_ms / 1000.0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["path"] == METRICS_PATH:
            await self._serve(scope, send)
            return
        if self.slow_seconds > 0:
            await self._timed(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500  # what the client gets if nothing was sent

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            count, duration = _metric_children(scope["method"], route_template(scope), status)
            count.inc()  # type: ignore[attr-defined]
            duration.observe(time.perf_counter() - start)  # type: ignore[attr-defined]

    async def _timed(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The same as ``__call__`` with the request's cost counted, and
        logged when the request was slow."""
        start = time.perf_counter()
        status = 500
        request_id = ""

        async def send_status(message: Message) -> None:
            nonlocal status, request_id
            if message["type"] == "http.response.start":
                status = message["status"]
                for name, value in message.get("headers", ()):
                    if name == b"x-request-id":
                        request_id = value.decode("latin-1")
            await send(message)

        opened = request_cost.begin()
        try:
            await self.app(scope, receive, send_status)
        finally:
            cost = request_cost.end(opened)
            elapsed = time.perf_counter() - start
            route = route_template(scope)
            count, duration = _metric_children(scope["method"], route, status)
            count.inc()  # type: ignore[attr-defined]
            duration.observe(elapsed)  # type: ignore[attr-defined]
            if elapsed >= self.slow_seconds and not route.startswith(STREAMING_PREFIX):
                slow_log.warning(
                    "slow request: %s %s %d %.1fms req=%s %s %s",
                    scope["method"],
                    route,
                    status,
                    elapsed * 1000,
                    request_id or "-",
                    cost.summary(),
                    cost.stalls(start, start + elapsed).summary(),
                )

    async def _serve(self, scope: Scope, send: Send) -> None:
        if not self.token:
            await _answer(send, 404, b'{"error":"Record not found"}', b"application/json")
            return
        given = dict(scope["headers"]).get(b"authorization", b"")
        if not hmac.compare_digest(given, self.token):
            await _answer(
                send, 401, b'{"error":"The access token is invalid"}', b"application/json"
            )
            return
        if scope["method"] not in ("GET", "HEAD"):
            await _answer(send, 405, b'{"error":"Method not allowed"}', b"application/json")
            return
        await _answer(send, 200, await self.scrape(scope), CONTENT_TYPE.encode())


async def _answer(send: Send, status: int, body: bytes, content_type: bytes) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", content_type),
                (b"content-length", str(len(body)).encode()),
                (b"cache-control", b"no-store"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
