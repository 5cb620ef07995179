"""The open-loop client and its HTTP client, against a tiny local server."""

from __future__ import annotations

import asyncio
import collections

import pytest

from roost_bench import http
from roost_bench.http import HttpClient
from roost_bench.openloop import PlannedRequest, run_open_loop

DELAY = 0.05


async def _handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Answers /slow after DELAY, /chunked chunked, /missing 404, anything else at once."""
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            path = head.split(b" ")[1]
            if path == b"/slow":
                await asyncio.sleep(DELAY)
            if path == b"/chunked":
                writer.write(
                    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                    b"3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"
                )
            else:
                status = b"404 Not Found" if path == b"/missing" else b"200 OK"
                writer.write(b"HTTP/1.1 " + status + b"\r\nContent-Length: 2\r\n\r\n{}")
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        writer.close()


def test_client_reads_length_and_chunked_bodies() -> None:
    async def go() -> None:
        server = await asyncio.start_server(_handle, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        async with server:
            client = HttpClient(f"http://127.0.0.1:{port}", max_connections=2)
            try:
                first = await client.request("GET", "/fast")
                chunked = await client.request("GET", "/chunked")
                missing = await client.request("GET", "/missing")
            finally:
                await client.close()
        assert (first.status, first.body, first.json()) == (200, b"{}", {})
        assert chunked.body == b"abcde"
        assert missing.status == 404

    asyncio.run(go())


def test_open_loop_sends_on_schedule_and_counts_from_due_time() -> None:
    async def go() -> None:
        server = await asyncio.start_server(_handle, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        async with server:
            client = HttpClient(f"http://127.0.0.1:{port}", max_connections=4)
            host = client.hostport
            kinds = collections.deque(["slow", "fast", "missing"] * 10)
            answered: list[int] = []

            def next_request() -> PlannedRequest:
                kind = kinds.popleft()
                raw = f"GET /{kind} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode()
                return PlannedRequest(kind, raw, lambda r, _t: answered.append(r.status))

            try:
                result = await run_open_loop(
                    client, rate=100, duration=0.3, next_request=next_request
                )
            finally:
                await client.close()
        # 100/s for 0.3 s = 30 requests, all answered
        assert result.sent == 30
        assert result.completed == 30
        assert len(answered) == 30
        summary = result.summary()
        assert summary["by_kind"]["missing"]["errors"] == 10
        assert summary["by_kind"]["missing"]["statuses"] == {"404": 10}
        assert summary["errors"] == 10
        # Latency includes the server's delay: never below it for /slow.
        assert min(result.latencies["slow"]) >= DELAY
        assert summary["by_kind"]["slow"]["latency_ms"]["p50"] >= DELAY * 1000

    asyncio.run(go())


def test_open_loop_counts_connection_failures() -> None:
    async def go() -> None:
        # Nothing listens on this port once the socket is closed.
        server = await asyncio.start_server(_handle, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        server.close()
        await server.wait_closed()
        client = HttpClient(f"http://127.0.0.1:{port}", max_connections=2, timeout=1)
        raw = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"
        try:
            result = await run_open_loop(
                client, rate=50, duration=0.1, next_request=lambda: PlannedRequest("x", raw)
            )
        finally:
            await client.close()
        assert result.completed == 0
        assert result.errors() == result.sent == 5

    asyncio.run(go())


async def _answer_once(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Answers one request as if keeping the connection, then closes it (a
    server whose keep-alive timeout ran out)."""
    await reader.readuntil(b"\r\n\r\n")
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}")
    await writer.drain()
    writer.close()


def test_client_does_not_reuse_connections_the_server_closed() -> None:
    async def go() -> None:
        server = await asyncio.start_server(_answer_once, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        async with server:
            client = HttpClient(f"http://127.0.0.1:{port}", max_connections=1)
            try:
                for _ in range(3):
                    assert (await client.request("GET", "/")).status == 200
                    await asyncio.sleep(0.05)  # the close reaches the client
            finally:
                await client.close()

    asyncio.run(go())


def test_client_drops_connections_idle_too_long(monkeypatch: pytest.MonkeyPatch) -> None:
    opened = 0

    async def counting(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal opened
        opened += 1
        await _handle(reader, writer)

    async def go() -> None:
        server = await asyncio.start_server(counting, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        async with server:
            client = HttpClient(f"http://127.0.0.1:{port}", max_connections=1)
            try:
                await client.request("GET", "/a")
                await client.request("GET", "/b")  # reused at once
                assert opened == 1
                monkeypatch.setattr(http, "IDLE_LIMIT", 0.05)
                await asyncio.sleep(0.1)
                await client.request("GET", "/c")  # idle too long: a new one
                assert opened == 2
            finally:
                await client.close()

    asyncio.run(go())


def test_summary_reports_the_cores_the_client_used() -> None:
    from roost_bench.openloop import OpenLoopResult

    assert OpenLoopResult(rate=10, duration=4.0).summary()["client_cores"] is None
    measured = OpenLoopResult(rate=10, duration=4.0, client_cpu_seconds=3.0)
    assert measured.summary()["client_cores"] == 0.75


def test_open_loop_latencies_are_finer_than_the_event_loop_clock() -> None:
    """uvloop's clock moves in whole milliseconds; latencies of a few
    milliseconds need a finer one, or they all come out as 0, 1, 2... ms."""
    from roost_bench.runner import run_async

    async def go() -> list[float]:
        server = await asyncio.start_server(_handle, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        async with server:
            client = HttpClient(f"http://127.0.0.1:{port}", max_connections=4)
            raw = f"GET /fast HTTP/1.1\r\nHost: {client.hostport}\r\n\r\n".encode()
            try:
                result = await run_open_loop(
                    client, rate=200, duration=0.2, next_request=lambda: PlannedRequest("f", raw)
                )
            finally:
                await client.close()
        return result.latencies["f"]

    latencies = run_async(go())  # on uvloop, as the bench runs
    assert len(latencies) == 40
    whole_ms = [x for x in latencies if abs(x * 1000 - round(x * 1000)) < 1e-6]
    assert len(whole_ms) < len(latencies) / 2
