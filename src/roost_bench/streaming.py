"""Streaming benchmark: what idle streams cost a server process, and how
long a post takes to reach 1,000 open streams.

Both run against one ``roost serve`` process on the embedded default
(SQLite, in-process bus and workers), started here on a free port:

- idle: open N SSE streams (``/api/v1/streaming/public``, each waits for
  its ``:)`` line), then read the server's resident memory; the figure per
  connection is the growth divided by N. The client side is one asyncio
  loop of raw sockets in this process.
- delay: open S streams, post P public statuses one after another, and take
  for each (status, stream) the time from sending the post to the stream
  receiving its ``update`` event: p50, p99 and max over all of them.

Bounded: every wait has a deadline, and the whole run takes well under two
minutes on the default sizes.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

STREAM_PATH = "/api/v1/streaming/public"
READY = b":)\n"


@dataclasses.dataclass(frozen=True)
class StreamingResult:
    connections: int
    rss_before_mib: float
    rss_after_mib: float
    kib_per_connection: float
    open_seconds: float
    subscribers: int
    posts: int
    delay_p50_ms: float
    delay_p99_ms: float
    delay_max_ms: float
    delivered: int
    expected: int

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


@contextlib.contextmanager
def _server(queue_limit: int) -> Iterator[tuple[int, int]]:
    """A ``roost serve`` process; yields (port, pid)."""
    port = _free_port()
    with tempfile.TemporaryDirectory(prefix="roost-stream-bench-") as tmp:
        env = {
            **os.environ,
            "ROOST_DATA_DIR": str(Path(tmp) / "data"),
            "ROOST_RATE_LIMITS": "false",
            "ROOST_PASSWORD_HASH_TIME_COST": "1",
            "ROOST_PASSWORD_HASH_MEMORY_KIB": "32",
            "ROOST_STREAMING_QUEUE_LIMIT": str(queue_limit),
            "ROOST_LOG_LEVEL": "warning",
        }
        for name in ("ROOST_DATABASE_URL", "ROOST_REDIS_URL", "ROOST_PUBLIC_URL", "ROOST_PORT"):
            env.pop(name, None)
        log = (Path(tmp) / "server.log").open("wb")
        process = subprocess.Popen(
            [sys.executable, "-m", "roost", "serve", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    with urllib.request.urlopen(
                        f"http://127.0.0.1:{port}/api/v1/instance", timeout=1
                    ):
                        break
                except OSError:
                    if process.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError("roost serve did not start") from None
                    time.sleep(0.1)
            yield port, process.pid
        finally:
            process.terminate()
            process.wait(timeout=20)
            log.close()


def _call(port: int, method: str, path: str, data: dict[str, str], token: str | None = None) -> Any:
    body = urllib.parse.urlencode(data).encode()
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=body, method=method)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.loads(answer.read())


def _poster_token(port: int) -> str:
    app = _call(
        port,
        "POST",
        "/api/v1/apps",
        {
            "client_name": "bench",
            "redirect_uris": "urn:ietf:wg:oauth:2.0:oob",
            "scopes": "read write",
        },
    )
    app_token = _call(
        port,
        "POST",
        "/oauth/token",
        {
            "grant_type": "client_credentials",
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
            "scope": "read write",
        },
    )["access_token"]
    created = _call(
        port,
        "POST",
        "/api/v1/accounts",
        {
            "username": "poster",
            "email": "poster@example.com",
            "password": "a long enough password",
            "agreement": "true",
        },
        app_token,
    )
    return str(created["access_token"])


class _Stream:
    """One raw SSE connection; records when each status id arrived."""

    def __init__(self) -> None:
        self.writer: asyncio.StreamWriter | None = None
        self.arrivals: dict[str, float] = {}
        self.reader_task: asyncio.Task[None] | None = None

    async def open(self, port: int) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        self.writer = writer
        writer.write(
            f"GET {STREAM_PATH} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            "Accept: text/event-stream\r\n\r\n".encode()
        )
        await writer.drain()
        buffer = b""
        while READY not in buffer:
            chunk = await reader.read(4096)
            if not chunk:
                raise RuntimeError("stream closed before it was ready")
            buffer += chunk
        self.reader_task = asyncio.get_running_loop().create_task(self._read(reader))

    async def _read(self, reader: asyncio.StreamReader) -> None:
        marker = b'data: {"id":"'
        while True:
            line = await reader.readline()
            if not line:
                return
            at = line.find(marker)
            if at >= 0:
                start = at + len(marker)
                status_id = line[start : line.index(b'"', start)].decode()
                self.arrivals.setdefault(status_id, time.monotonic())

    def close(self) -> None:
        if self.reader_task is not None:
            self.reader_task.cancel()
        if self.writer is not None:
            self.writer.close()


async def _open_many(port: int, count: int, *, batch: int = 200) -> list[_Stream]:
    streams: list[_Stream] = []
    for start in range(0, count, batch):
        group = [_Stream() for _ in range(min(batch, count - start))]
        await asyncio.wait_for(asyncio.gather(*(s.open(port) for s in group)), 60)
        streams += group
    return streams


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def _measure(
    port: int, pid: int, connections: int, subscribers: int, posts: int
) -> StreamingResult:
    token = await asyncio.to_thread(_poster_token, port)
    rss_before = _rss_kib(pid)
    started = time.monotonic()
    idle = await _open_many(port, connections)
    open_seconds = time.monotonic() - started
    await asyncio.sleep(1.0)  # let the server settle (allocations, GC)
    rss_after = _rss_kib(pid)
    for stream in idle:
        stream.close()
    await asyncio.sleep(1.0)

    listening = await _open_many(port, subscribers)
    sent: dict[str, float] = {}
    for i in range(posts):
        at = time.monotonic()
        posted = await asyncio.to_thread(
            _call, port, "POST", "/api/v1/statuses", {"status": f"bench post {i}"}, token
        )
        sent[str(posted["id"])] = at
        await asyncio.sleep(0.05)
    deadline = time.monotonic() + 30
    expected = posts * subscribers
    while time.monotonic() < deadline:
        if sum(len(s.arrivals) for s in listening) >= expected:
            break
        await asyncio.sleep(0.05)
    delays = [
        (arrived - sent[status_id]) * 1000
        for s in listening
        for status_id, arrived in s.arrivals.items()
        if status_id in sent
    ]
    for stream in listening:
        stream.close()
    return StreamingResult(
        connections=connections,
        rss_before_mib=rss_before / 1024,
        rss_after_mib=rss_after / 1024,
        kib_per_connection=(rss_after - rss_before) / max(1, connections),
        open_seconds=open_seconds,
        subscribers=subscribers,
        posts=posts,
        delay_p50_ms=statistics.median(delays) if delays else float("nan"),
        delay_p99_ms=_percentile(delays, 0.99) if delays else float("nan"),
        delay_max_ms=max(delays) if delays else float("nan"),
        delivered=len(delays),
        expected=expected,
    )


def run_streaming(connections: int, subscribers: int, posts: int) -> StreamingResult:
    # The server holds one socket per stream; so does this process.
    with _server(queue_limit=256) as (port, pid):
        return asyncio.run(_measure(port, pid, connections, subscribers, posts))
