"""The streaming API over HTTP: Server-Sent Events, one stream per request
(``/api/v1/streaming/<stream>``), and the WebSocket at ``/api/v1/streaming``
that multiplexes streams with subscribe/unsubscribe messages.

SSE wire (what Mastodon.py and other clients parse): status 200,
``text/event-stream``, LF line endings, ``:)`` when the stream is ready,
``event: <name>`` then ``data: <JSON>`` (with a space after each colon) and
a blank line per event, a ``:thump`` comment line as heartbeat. A delete
carries the id as a JSON string. WebSocket messages are JSON objects
``{"stream": [...], "event": ..., "payload": <JSON text as a string>}``
(a delete's payload is the id itself), and ``{"error": ..., "status": ...}``
for a refused subscription.
"""

from __future__ import annotations

import asyncio
import contextlib

import msgspec
from starlette.responses import Response, StreamingResponse
from starlette.routing import BaseRoute, WebSocketRoute
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketDisconnect

from roost.api.auth import bearer_token
from roost.api.errors import ApiError
from roost.api.routing import Context, Router
from roost.kernel.auth import Viewer, hash_token
from roost.streaming.events import DELETE, FILTERS_CHANGED
from roost.streaming.session import Outgoing, StreamSession
from roost.streaming.streams import BadStream, Stream, parse_stream

router = Router("streaming")

SSE = "text/event-stream"
READ = ("read", "read:statuses", "read:notifications")
_encode = msgspec.json.encode


class HashtagStreamQuery(msgspec.Struct, kw_only=True):
    tag: str | None = None


class ListStreamQuery(msgspec.Struct, kw_only=True):
    list: str | None = None


def sse_lines(out: Outgoing) -> bytes:
    data = _encode(out.payload).decode() if out.event == DELETE else out.payload
    return f"event: {out.event}\ndata: {data}\n\n".encode()


class EventStreamResponse(StreamingResponse):
    """An SSE stream served by one task: events are written as the session
    yields them, a heartbeat comment when it is idle. A small watcher task
    ends the session when the client disconnects; a session dropped for
    falling behind cancels the writer (it may be stuck on a full socket)."""

    def __init__(self, session: StreamSession, heartbeat: float) -> None:
        super().__init__(
            iter(()),
            media_type=SSE,
            headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
        )
        self.session = session
        self.heartbeat = heartbeat

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        session = self.session
        writer = asyncio.current_task()
        if writer is not None:
            session.subscription.on_drop = writer.cancel
        watcher = asyncio.create_task(_watch_disconnect(receive, session))
        try:
            await send({"type": "http.response.start", "status": 200, "headers": self.raw_headers})
            await send({"type": "http.response.body", "body": b":)\n", "more_body": True})
            while True:
                try:
                    out = await session.next(self.heartbeat)
                except StopAsyncIteration:
                    break  # the client left, or the stream fell behind
                body = b":thump\n" if out is None else sse_lines(out)
                await send({"type": "http.response.body", "body": body, "more_body": True})
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        except asyncio.CancelledError:
            if not session.overflowed:
                raise
        finally:
            watcher.cancel()
            session.close()


async def _watch_disconnect(receive: Receive, session: StreamSession) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass
    session.close()


async def _open_sse(ctx: Context, stream: Stream) -> Response:
    token = bearer_token(ctx.request)
    token_hash = hash_token(token) if token and ctx.viewer is not None else None
    session = StreamSession(ctx.services, ctx.viewer_id, token_hash)
    try:
        await session.add(stream)
    except BadStream as refused:
        session.close()
        raise ApiError(refused.status, refused.message) from None
    return EventStreamResponse(session, ctx.services.settings.streaming_heartbeat_seconds)


def _sse_route(path: str, name: str, summary: str, *, user: bool) -> None:
    async def handler(ctx: Context) -> Response:
        return await _open_sse(ctx, parse_stream(name))

    handler.__name__ = "stream_" + name.replace(":", "_")
    router.get(
        path,
        summary=summary,
        auth="user" if user else "optional",
        scope=READ,
        media_type=SSE,
    )(handler)


_sse_route("/api/v1/streaming/user", "user", "Home updates, notifications and deletes", user=True)
_sse_route("/api/v1/streaming/user/notification", "user:notification", "Notifications", user=True)
_sse_route("/api/v1/streaming/direct", "direct", "Direct statuses", user=True)
_sse_route("/api/v1/streaming/public", "public", "Public statuses", user=False)
_sse_route("/api/v1/streaming/public/local", "public:local", "Public local statuses", user=False)
_sse_route(
    "/api/v1/streaming/public/remote", "public:remote", "Public remote statuses (none)", user=False
)


@router.get(
    "/api/v1/streaming/hashtag",
    summary="Public statuses with a hashtag",
    auth="optional",
    scope=READ,
    media_type=SSE,
    errors=(400,),
)
async def stream_hashtag(ctx: Context, query: HashtagStreamQuery) -> Response:
    return await _open_sse(ctx, _parsed("hashtag", query.tag))


@router.get(
    "/api/v1/streaming/hashtag/local",
    summary="Public local statuses with a hashtag",
    auth="optional",
    scope=READ,
    media_type=SSE,
    errors=(400,),
)
async def stream_hashtag_local(ctx: Context, query: HashtagStreamQuery) -> Response:
    return await _open_sse(ctx, _parsed("hashtag:local", query.tag))


@router.get(
    "/api/v1/streaming/list",
    summary="Statuses of one of the caller's lists (``list``: its id)",
    auth="user",
    scope=READ,
    media_type=SSE,
    errors=(400, 404),
)
async def stream_list(ctx: Context, query: ListStreamQuery) -> Response:
    return await _open_sse(ctx, _parsed("list", None, query.list))


def _parsed(name: str, tag: str | None, list_id: str | None = None) -> Stream:
    try:
        return parse_stream(name, tag, list_id)
    except BadStream as refused:
        raise ApiError(refused.status, refused.message) from None


# -- WebSocket ----------------------------------------------------------------


class ClientMessage(msgspec.Struct, kw_only=True):
    type: str
    stream: str | None = None
    tag: str | None = None
    list: str | None = None


_decode_client = msgspec.json.Decoder(ClientMessage).decode


def _ws_token(ws: WebSocket) -> tuple[str | None, str | None]:
    """The access token, and the subprotocol to accept when it came as one."""
    header = ws.headers.get("authorization")
    if header:
        scheme, _, value = header.partition(" ")
        if scheme.lower() == "bearer" and value.strip():
            return value.strip(), None
    query = ws.query_params.get("access_token")
    if query:
        return query, None
    protocol = ws.headers.get("sec-websocket-protocol")
    if protocol:
        token = protocol.split(",")[0].strip()
        return token or None, token or None
    return None, None


async def _viewer(ws: WebSocket, token: str | None) -> tuple[bool, Viewer | None]:
    if token is None:
        return True, None
    services = ws.app.state.services
    viewer = await services.tokens.viewer_for(token)
    if viewer is None or not any(viewer.allows(s) for s in READ):
        return False, None
    # Unconfirmed or pending accounts may not use user endpoints yet.
    required = services.settings.email_confirmation_required
    if viewer.restriction(confirmation_required=required) is not None:
        return False, None
    return True, viewer


async def _send_error(ws: WebSocket, refused: BadStream) -> None:
    await ws.send_text(_encode({"error": refused.message, "status": refused.status}).decode())


async def _serve_messages(ws: WebSocket, session: StreamSession) -> None:
    """Subscribe and unsubscribe as the client asks, until it leaves."""
    while True:
        raw = await ws.receive_text()
        try:
            message = _decode_client(raw)
        except msgspec.DecodeError:
            await _send_error(ws, BadStream(400, "Malformed message"))
            continue
        try:
            stream = parse_stream(message.stream, message.tag, message.list)
            if message.type == "subscribe":
                await session.add(stream)
            elif message.type == "unsubscribe":
                session.remove(stream)
            else:
                raise BadStream(400, "Unknown message type")
        except BadStream as refused:
            await _send_error(ws, refused)


async def _forward(ws: WebSocket, session: StreamSession) -> None:
    while True:
        try:
            out = await session.next(None)
        except StopAsyncIteration:
            return
        if out is None:
            continue
        for stream in out.streams:
            message = {"stream": stream.label, "event": out.event, "payload": out.payload}
            if out.event == FILTERS_CHANGED:
                del message["payload"]  # none, as Mastodon sends it
            await ws.send_text(_encode(message).decode())


async def websocket_stream(ws: WebSocket) -> None:
    token, protocol = _ws_token(ws)
    allowed, viewer = await _viewer(ws, token)
    if not allowed:
        await ws.close(code=1008)  # before accept: the upgrade is refused
        return
    services = ws.app.state.services
    session = StreamSession(
        services,
        viewer.account_id if viewer else None,
        hash_token(token) if token and viewer else None,
    )
    await ws.accept(subprotocol=protocol)
    try:
        first = ws.query_params.get("stream")
        if first:
            try:
                await session.add(
                    parse_stream(first, ws.query_params.get("tag"), ws.query_params.get("list"))
                )
            except BadStream as refused:
                await _send_error(ws, refused)
        reader = asyncio.create_task(_serve_messages(ws, session))
        writer = asyncio.create_task(_forward(ws, session))
        # Dropped for falling behind: the writer may be stuck on a full socket.
        session.subscription.on_drop = writer.cancel
        done, pending = await asyncio.wait({reader, writer}, return_when=asyncio.FIRST_COMPLETED)
        for task in pending:
            task.cancel()
        for task in pending:
            with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect):
                await task
        for task in done:
            with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect):
                task.result()
        # 1013 "try again later" for a stream that fell behind; otherwise the
        # stream ended on the server's side (its token was revoked).
        with contextlib.suppress(Exception):
            await ws.close(code=1013 if session.overflowed else 1000)
    finally:
        session.close()


def websocket_routes() -> list[BaseRoute]:
    return [WebSocketRoute("/api/v1/streaming", websocket_stream)]
