"""Each request has an id: returned in ``X-Request-Id`` (a sane one from the
proxy is kept), carried by every log line written while serving it; and an
unexpected error is logged once, with one traceback, and answered 500 (the
exception does not reach the server, which would log it again)."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from roost.instance import routes as instance_routes
from roost.logs import JsonFormatter, TextFormatter
from tests.helpers import ApiClient

SQLITE_ONLY = pytest.mark.parametrize("backend", ["sqlite"])


class Lines(logging.Handler):
    """Formats records as the servers do, at the time they are logged."""

    def __init__(self, formatter: logging.Formatter) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(formatter)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def text_lines() -> Iterator[Lines]:
    handler = Lines(TextFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield handler
    finally:
        root.removeHandler(handler)


@SQLITE_ONLY
def test_request_id_is_returned_and_a_sane_one_kept(client: ApiClient) -> None:
    fresh = [client.get("/api/v1/instance").headers["x-request-id"] for _ in range(2)]
    assert fresh[0] != fresh[1] and all(len(i) == 16 for i in fresh)
    kept = client.get("/api/v1/instance", headers={"X-Request-Id": "haproxy-7F00:01.42"})
    assert kept.headers["x-request-id"] == "haproxy-7F00:01.42"
    for insane in ("", "has space", "x" * 129, "semi;colon"):
        replaced = client.get("/api/v1/instance", headers={"X-Request-Id": insane})
        assert replaced.headers["x-request-id"] != insane
        assert len(replaced.headers["x-request-id"]) == 16
    assert client.get("/no/such/thing").headers["x-request-id"]  # on every answer


@SQLITE_ONLY
def test_a_500_is_logged_once_with_its_request_id(
    client: ApiClient, monkeypatch: pytest.MonkeyPatch, text_lines: Lines
) -> None:
    async def broken(*args: object) -> None:
        logging.getLogger("roost.instance").warning("about to fail")
        raise RuntimeError("the bug")

    monkeypatch.setattr(instance_routes, "load_instance_facts", broken)
    # The test client would raise the exception if it left the app.
    answer = client.http.get("/api/v1/instance", headers={"X-Request-Id": "req-500"})
    assert answer.status_code == 500
    assert answer.json() == {"error": "Internal server error"}
    assert answer.headers["x-request-id"] == "req-500"
    ours = [line for line in text_lines.lines if "[req req-500]" in line]
    assert len(ours) == 2, text_lines.lines
    assert ours[0].split(" ", 3)[1:3] == ["WARNING", "roost.instance"]
    assert "unhandled error on GET /api/v1/instance" in ours[1]
    assert ours[1].count("Traceback") == 1 and "RuntimeError: the bug" in ours[1]
    assert sum("Traceback" in line for line in text_lines.lines) == 1


def test_json_lines_carry_the_request_id() -> None:
    import json

    from roost.logs import REQUEST_ID

    record = logging.LogRecord("roost.x", logging.INFO, __file__, 1, "hello %s", ("you",), None)
    token = REQUEST_ID.set("abc")
    try:
        line = JsonFormatter().format(record)
    finally:
        REQUEST_ID.reset(token)
    entry = json.loads(line)
    assert entry["message"] == "hello you" and entry["request_id"] == "abc"
    assert entry["level"] == "INFO" and entry["logger"] == "roost.x"
    assert "request_id" not in json.loads(JsonFormatter().format(record))
