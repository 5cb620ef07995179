"""The slow-request log (ROOST_SLOW_REQUEST_MS): one line per request over
the threshold, naming the route and what the request cost, with cache
misses by key family and timeline rebuilds; nothing counted or logged when
the setting is off."""

from __future__ import annotations

import asyncio
import gc
import re
import time

import pytest
from starlette.types import Message, Receive, Scope, Send

from roost.api.metrics import MetricsMiddleware
from roost.config import Settings
from roost.infra import request_cost, stalls
from roost.infra.request_cost import CostedCache, CostedTimelineStore
from tests.helpers import ApiClient

HOME = "/api/v1/timelines/home"
LINE = re.compile(
    r"slow request: (?P<method>\S+) (?P<route>\S+) (?P<status>\d+) (?P<ms>[\d.]+)ms "
    r"req=(?P<req>\S+) sql=(?P<sql>\d+)/(?P<sql_ms>[\d.]+)ms cache=(?P<cache>\d+) "
    r"misses=(?P<misses>\S+) timeline=(?P<timeline>\d+) rebuilds=(?P<rebuilds>\d+) "
    r"gc=(?P<gc>\d+)/(?P<gc_ms>[\d.]+)ms gen2=(?P<gen2>\d+)/(?P<gen2_ms>[\d.]+)ms "
    r"loop_stall=(?P<stall_ms>[\d.]+)ms\(max (?P<stall_max_ms>[\d.]+)ms\)"
)


def slow_lines(caplog: pytest.LogCaptureFixture) -> list[re.Match[str]]:
    found = []
    for record in caplog.records:
        if record.name == "roost.slow":
            match = LINE.fullmatch(record.getMessage())
            assert match is not None, record.getMessage()
            found.append(match)
    return found


def misses(match: re.Match[str]) -> dict[str, int]:
    text = match["misses"]
    if text == "0":
        return {}
    return {k: int(v) for k, v in (part.split(":") for part in text.split(","))}


def test_a_cold_home_read_is_logged_with_its_misses_and_rebuild(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("WARNING", logger="roost.slow")
    # A threshold every request passes: each one is logged.
    with ApiClient.start(settings.replace(slow_request_ms=0.001)) as api:
        assert isinstance(api.services.cache, CostedCache)
        assert isinstance(api.services.timelines, CostedTimelineStore)
        alice, bob = api.make_user("alice"), api.make_user("bob")
        assert api.post(f"/api/v1/accounts/{bob.id}/follow", user=alice).status_code == 200
        for i in range(3):
            assert api.post("/api/v1/statuses", user=bob, data={"status": f"hi {i}"}).is_success
        api.drain()

        async def forget() -> None:
            await api.services.cache.clear()
            await api.services.timelines.clear()

        api.call(forget)
        caplog.clear()
        cold = api.get(HOME, user=alice)
        assert cold.status_code == 200 and len(cold.json()) == 3
        (line,) = [m for m in slow_lines(caplog) if m["route"] == HOME]
        assert (line["method"], line["status"]) == ("GET", "200")
        assert line["req"] == cold.headers["x-request-id"]
        assert int(line["rebuilds"]) == 1
        assert int(line["sql"]) >= 2  # the rebuild and the statuses, at least
        assert float(line["sql_ms"]) > 0
        missed = misses(line)
        assert missed.get("status", 0) >= 3, missed
        assert missed.get("account", 0) >= 1, missed
        assert int(line["cache"]) >= 2 and int(line["timeline"]) >= 3

        caplog.clear()
        assert api.get(HOME, user=alice).status_code == 200
        (warm,) = [m for m in slow_lines(caplog) if m["route"] == HOME]
        assert int(warm["rebuilds"]) == 0
        assert "status" not in misses(warm) and "account" not in misses(warm)
        assert int(warm["sql"]) < int(line["sql"])


def test_fast_requests_are_not_logged_and_off_means_uncounted(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("WARNING", logger="roost.slow")
    with ApiClient.start(settings.replace(slow_request_ms=60_000)) as api:
        alice = api.make_user("alice")
        assert api.get(HOME, user=alice).status_code == 200
        assert slow_lines(caplog) == []
    with ApiClient.start(settings) as api:
        assert not isinstance(api.services.cache, CostedCache)
        alice = api.make_user("alice")
        assert api.get(HOME, user=alice).status_code == 200
        assert slow_lines(caplog) == []


def test_outside_a_request_nothing_is_counted() -> None:
    assert request_cost.current() is None
    opened = request_cost.begin()
    cost = request_cost.current()
    assert cost is not None
    cost.cache_misses["status"] = 2
    assert request_cost.end(opened) is cost
    assert request_cost.current() is None
    assert cost.summary() == "sql=0/0.0ms cache=0 misses=status:2 timeline=0 rebuilds=0"


def test_the_line_says_what_stalled_the_process_meanwhile(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A request during which a full collection ran and the loop was
        blocked carries both; the next one, which waited for no block, does not
    carry the block."""
    caplog.set_level("WARNING", logger="roost.slow")

    async def stalling(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["path"] == "/stall":
            gc.collect(2)
            time.sleep(0.3)  # noqa: ASYNC251 - blocks the loop on purpose
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    async def nothing() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def sent(message: Message) -> None:
        return None

    app = MetricsMiddleware(stalling, token="", scrape=None, slow_request_ms=0.001)  # type: ignore[arg-type]

    async def scenario() -> None:
        stalls.GC.install()
        task = asyncio.create_task(stalls.LOOP.run(stalls.GC))
        try:
            await asyncio.sleep(0.06)  # the task's first tick is asleep
            for path in ("/stall", "/calm"):
                scope: Scope = {"type": "http", "method": "GET", "path": path, "headers": []}
                await app(scope, nothing, sent)
                await asyncio.sleep(0.06)
        finally:
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task

    asyncio.run(scenario())
    stalled, calm = slow_lines(caplog)
    assert int(stalled["gen2"]) >= 1 and float(stalled["gen2_ms"]) > 0
    assert float(stalled["stall_ms"]) >= 200  # most of the 300 ms block
    assert float(calm["stall_ms"]) < 200
