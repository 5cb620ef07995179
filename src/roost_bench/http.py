"""A small keep-alive HTTP/1.1 client on asyncio streams, for the bench only.

It exists because the open-loop client and the fan-out watchers need to
send thousands of requests per second from one Python process with little
overhead per request; general HTTP clients do much more per request (and
would eat the cores the server is measured on). It speaks only what Roost's
servers answer: Content-Length or chunked bodies, keep-alive.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import ssl
from collections.abc import Mapping
from typing import Any

import msgspec

# uvicorn closes a keep-alive connection idle for 5 s; one reused just as
# the server closes it fails the request. Older idle ones are not reused.
IDLE_LIMIT = 3.0


class HttpError(RuntimeError):
    pass


@dataclasses.dataclass(frozen=True, slots=True)
class HttpResponse:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return msgspec.json.decode(self.body)


def encode_request(
    method: str,
    path: str,
    *,
    host: str,
    headers: Mapping[str, str] | None = None,
    body: bytes = b"",
) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}"]
    lines.extend(f"{k}: {v}" for k, v in (headers or {}).items())
    if body or method in ("POST", "PUT", "PATCH"):
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


class _Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.idle_since = 0.0

    def reusable(self, now: float) -> bool:
        return not self.reader.at_eof() and now - self.idle_since < IDLE_LIMIT

    async def exchange(self, request: bytes) -> tuple[HttpResponse, bool]:
        """Send one request, read its response; the flag says whether to keep the connection."""
        self.writer.write(request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        parts = status_line.split(" ", 2)
        if len(parts) < 2 or not parts[0].startswith("HTTP/"):
            raise HttpError(f"bad status line {status_line!r}")
        status = int(parts[1])
        headers: dict[str, str] = {}
        for line in header_lines:
            if line:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
        if "content-length" in headers:
            body = await self.reader.readexactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            body = await self._read_chunked()
        elif status in (204, 304) or status < 200:
            body = b""
        else:
            body = await self.reader.read()
            return HttpResponse(status, headers, body), False
        keep = headers.get("connection", "").lower() != "close"
        return HttpResponse(status, headers, body), keep

    async def _read_chunked(self) -> bytes:
        chunks: list[bytes] = []
        while True:
            size_line = await self.reader.readuntil(b"\r\n")
            size = int(size_line.split(b";")[0].strip(), 16)
            if size == 0:
                await self.reader.readuntil(b"\r\n")
                return b"".join(chunks)
            chunks.append(await self.reader.readexactly(size))
            await self.reader.readexactly(2)

    def close(self) -> None:
        self.writer.close()


class HttpClient:
    """Keep-alive connections to one server, opened on demand up to ``max_connections``."""

    def __init__(self, url: str, *, max_connections: int = 64, timeout: float = 10.0) -> None:
        scheme, sep, rest = url.partition("://")
        if not sep or scheme not in ("http", "https"):
            raise ValueError("only http:// and https:// URLs")
        # https: another server measured side by side may only speak TLS.
        self.tls = ssl.create_default_context() if scheme == "https" else None
        hostport = rest.rstrip("/")
        host, _, port = hostport.partition(":")
        self.host = host
        self.port = int(port or (443 if self.tls else 80))
        self.hostport = hostport
        self.timeout = timeout
        self._idle: list[_Connection] = []
        self._slots = asyncio.Semaphore(max_connections)
        self._open: set[_Connection] = set()

    async def request(
        self,
        method: str,
        path: str,
        *,
        headers: Mapping[str, str] | None = None,
        body: bytes = b"",
    ) -> HttpResponse:
        raw = encode_request(method, path, host=self.hostport, headers=headers, body=body)
        return await self.send_raw(raw)

    async def send_raw(self, raw: bytes) -> HttpResponse:
        """Send pre-encoded request bytes; waits for a free connection if all are busy."""
        async with self._slots:
            conn = self._reuse()
            if conn is None:
                reader, writer = await asyncio.wait_for(
                    asyncio.open_connection(self.host, self.port, ssl=self.tls), self.timeout
                )
                conn = _Connection(reader, writer)
                self._open.add(conn)
            try:
                response, keep = await asyncio.wait_for(conn.exchange(raw), self.timeout)
            except BaseException:
                self._discard(conn)
                raise
            if keep:
                conn.idle_since = asyncio.get_running_loop().time()
                self._idle.append(conn)
            else:
                self._discard(conn)
            return response

    def _reuse(self) -> _Connection | None:
        """The most recently used idle connection the server has not closed."""
        now = asyncio.get_running_loop().time()
        while self._idle:
            conn = self._idle.pop()
            if conn.reusable(now):
                return conn
            self._discard(conn)
        return None

    def _discard(self, conn: _Connection) -> None:
        self._open.discard(conn)
        conn.close()

    async def close(self) -> None:
        for conn in list(self._open):
            conn.close()
        for conn in list(self._open):
            with contextlib.suppress(OSError):
                await conn.writer.wait_closed()
        self._open.clear()
        self._idle.clear()
