"""Streaming benchmark: what idle streams cost a server process, and how
long a post takes to reach 1,000 open streams.

Both run against one ``roost serve`` process on the embedded default
(SQLite, in-process bus and workers), started here on a free port:

- idle: open N SSE streams (``/api/v1/streaming/public``, each waits for
  its ``:)`` line), then read the server's resident memory; the figure per
  connection is the growth divided by N. The client side is one asyncio
  loop of raw sockets in this process.
- delay: open S anonymous public streams, post P public statuses 50 ms
  apart, and take for each (status, stream) the time from sending the post
  to the stream receiving its ``update`` event: p50, p99 and max over all
  of them; then the same with the user streams of S followers of the
  poster (fan-out to their timelines, each event rendered per viewer).
  The followers are written into the database before the server starts.

Bounded: every wait has a deadline, and the whole run takes well under two
minutes on the default sizes.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import math
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

from roost.accounts.service import create_account
from roost.config import Settings
from roost.db.migrate import migrate
from roost.oauth.apps import register_app
from roost.relationships.service import follow_account
from roost.services import build_services

PUBLIC_PATH = "/api/v1/streaming/public"
USER_PATH = "/api/v1/streaming/user"
OOB = "urn:ietf:wg:oauth:2.0:oob"
PASSWORD = "a long enough password"
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
    # Anonymous public streams (one rendering shared by all).
    public_p50_ms: float
    public_p99_ms: float
    public_max_ms: float
    public_delivered: int
    # Followers' user streams (fan-out, then a rendering per viewer).
    user_p50_ms: float
    user_p99_ms: float
    user_max_ms: float
    user_delivered: int
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


def _settings(data_dir: Path) -> Settings:
    return Settings(
        data_dir=data_dir,
        worker_id=1,
        run_workers=False,
        rate_limits=False,
        password_hash_time_cost=1,
        password_hash_memory_kib=32,
    )


async def _prepare_followers(data_dir: Path, count: int) -> tuple[str, list[str]]:
    """Before the server starts: a poster and ``count`` followers of it, each
    with a token, written straight into the embedded database (the follow
    jobs run here too, so the server starts with an empty queue). Returns
    the poster's token and the followers' tokens."""
    services = build_services(_settings(data_dir))
    try:
        await migrate(services.db.engine)
        app = await register_app(
            services, name="bench", redirect_uris=OOB, scopes="read write", website=None
        )

        async def account(name: str) -> tuple[int, str]:
            account_id = await create_account(
                services, username=name, email=f"{name}@example.com", password=PASSWORD
            )
            async with services.db.write() as conn:
                issued = await services.tokens.issue(
                    conn, app_id=app.app.id, account_id=account_id, scopes="read write"
                )
            return account_id, issued.access_token

        poster_id, poster_token = await account("poster")
        tokens: list[str] = []
        for i in range(count):
            follower_id, token = await account(f"follower{i}")
            await follow_account(services, account_id=follower_id, target_id=poster_id)
            tokens.append(token)
        while await services.jobs.run_pending():
            pass
        return poster_token, tokens
    finally:
        await services.close()


@contextlib.contextmanager
def _server(data_dir: Path, queue_limit: int) -> Iterator[tuple[int, int]]:
    """A ``roost serve`` process on ``data_dir``; yields (port, pid)."""
    port = _free_port()
    with tempfile.TemporaryDirectory(prefix="roost-stream-bench-") as tmp:
        env = {
            **os.environ,
            "ROOST_DATA_DIR": str(data_dir),
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


class _Stream:
    """One raw SSE connection; records when each status id arrived."""

    def __init__(self, path: str = PUBLIC_PATH, token: str | None = None) -> None:
        self.path = path
        self.token = token
        self.writer: asyncio.StreamWriter | None = None
        self.arrivals: dict[str, float] = {}
        self.reader_task: asyncio.Task[None] | None = None

    async def open(self, port: int) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        self.writer = writer
        auth = f"Authorization: Bearer {self.token}\r\n" if self.token else ""
        writer.write(
            f"GET {self.path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{auth}"
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


async def _open_many(
    port: int, count: int, *, tokens: list[str] | None = None, batch: int = 200
) -> list[_Stream]:
    """``count`` public streams, or a user stream per token."""
    wanted = (
        [_Stream(USER_PATH, t) for t in tokens] if tokens else [_Stream() for _ in range(count)]
    )
    streams: list[_Stream] = []
    for start in range(0, len(wanted), batch):
        group = wanted[start : start + batch]
        await asyncio.wait_for(asyncio.gather(*(s.open(port) for s in group)), 60)
        streams += group
    return streams


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


@dataclasses.dataclass(frozen=True)
class Delays:
    p50_ms: float
    p99_ms: float
    max_ms: float
    delivered: int
    expected: int


async def _time_posts(port: int, token: str, streams: list[_Stream], posts: int) -> Delays:
    """Post ``posts`` public statuses 50 ms apart; for every (status,
    stream), the time from sending the post to the stream reading it."""
    sent: dict[str, float] = {}
    for i in range(posts):
        at = time.monotonic()
        posted = await asyncio.to_thread(
            _call, port, "POST", "/api/v1/statuses", {"status": f"bench post {i}"}, token
        )
        sent[str(posted["id"])] = at
        await asyncio.sleep(0.05)
    expected = posts * len(streams)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if sum(len(s.arrivals) for s in streams) >= expected:
            break
        await asyncio.sleep(0.05)
    delays = [
        (arrived - sent[status_id]) * 1000
        for s in streams
        for status_id, arrived in s.arrivals.items()
        if status_id in sent
    ]
    for stream in streams:
        stream.close()
    if not delays:
        return Delays(math.nan, math.nan, math.nan, 0, expected)
    return Delays(
        statistics.median(delays),
        _percentile(delays, 0.99),
        max(delays),
        len(delays),
        expected,
    )


async def _measure(
    port: int, pid: int, token: str, followers: list[str], connections: int, posts: int
) -> StreamingResult:
    rss_before = _rss_kib(pid)
    started = time.monotonic()
    idle = await _open_many(port, connections)
    open_seconds = time.monotonic() - started
    await asyncio.sleep(1.0)  # let the server settle (allocations, GC)
    rss_after = _rss_kib(pid)
    for stream in idle:
        stream.close()
    await asyncio.sleep(1.0)
    public = await _time_posts(port, token, await _open_many(port, len(followers)), posts)
    await asyncio.sleep(0.5)
    home = await _time_posts(port, token, await _open_many(port, 0, tokens=followers), posts)
    return StreamingResult(
        connections=connections,
        rss_before_mib=rss_before / 1024,
        rss_after_mib=rss_after / 1024,
        kib_per_connection=(rss_after - rss_before) / max(1, connections),
        open_seconds=open_seconds,
        subscribers=len(followers),
        posts=posts,
        public_p50_ms=public.p50_ms,
        public_p99_ms=public.p99_ms,
        public_max_ms=public.max_ms,
        public_delivered=public.delivered,
        user_p50_ms=home.p50_ms,
        user_p99_ms=home.p99_ms,
        user_max_ms=home.max_ms,
        user_delivered=home.delivered,
        expected=public.expected,
    )


def run_streaming(connections: int, subscribers: int, posts: int) -> StreamingResult:
    # The server holds one socket per stream; so does this process.
    with tempfile.TemporaryDirectory(prefix="roost-stream-bench-data-") as tmp:
        data_dir = Path(tmp) / "data"
        data_dir.mkdir()
        token, followers = asyncio.run(_prepare_followers(data_dir, subscribers))
        with _server(data_dir, queue_limit=256) as (port, pid):
            return asyncio.run(_measure(port, pid, token, followers, connections, posts))
