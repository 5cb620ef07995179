"""Whatever body or query string a client sends, the answer is a Mastodon
error (400/413/414/422), never a 500: on endpoints with a login and without
one (the OAuth endpoints share the same parser)."""

from __future__ import annotations

from typing import Any

import anyio
import pytest
from starlette.requests import Request

from roost.api.paging import PageQuery
from roost.api.params import MAX_BODY_BYTES, _memo_of, parse_query
from roost.db import schema
from roost.timelines.routes import TagQuery
from tests.helpers import ApiClient, User
from tests.oauth.support import OOB
from tests.statuses.support import count_rows, post, status_row_count

JSON = {"Content-Type": "application/json"}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
MULTIPART = {"Content-Type": "multipart/form-data; boundary=zz"}
# One endpoint behind a login, two before any login.
PATHS = ["/api/v1/statuses", "/oauth/token", "/api/v1/apps"]


def _multipart(name: bytes, value: bytes) -> bytes:
    return (
        b'--zz\r\nContent-Disposition: form-data; name="' + name + b'"\r\n\r\n'
        + value + b"\r\n--zz--\r\n"
    )  # fmt: skip


def _post_raw(
    client: ApiClient, user: User, path: str, body: bytes, headers: dict[str, str]
) -> Any:
    auth = user if path == "/api/v1/statuses" else None
    return client.post(path, user=auth, content=body, headers=headers)


def _assert_error(response: Any, status: int, message: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    assert message in response.json()["error"]


UNREADABLE: list[tuple[str, bytes, dict[str, str], str]] = [
    (
        "json invalid utf-8",
        b'{"status": "\xff\xfe", "client_name": "\xff"}',
        JSON,
        "Malformed JSON",
    ),
    ("json utf-8 surrogate", b'{"status": "\xed\xa0\x80"}', JSON, "Malformed JSON"),
    ("json nested 1,000 deep", b'{"a": ' + b"[" * 1000 + b"]" * 1000 + b"}", JSON, "nested"),
    ("json nested 300,000 deep", b'{"a": ' + b"[" * 300_000 + b"}", JSON, "nested"),
    ("json nested 40 deep", b'{"a": ' + b'{"b": ' * 40 + b"1" + b"}" * 41, JSON, "nested"),
    ("form percent-encoded", b"status=%ff%fe&client_name=%C3", FORM, "invalid UTF-8"),
    ("form raw bytes", b"status=\xff&grant_type=\xc3", FORM, "invalid UTF-8"),
    ("form too many fields", b"&".join(b"f%d=1" % i for i in range(300)), FORM, "fields"),
    ("multipart value", _multipart(b"status", b"\xff\xfe"), MULTIPART, "invalid UTF-8"),
    ("multipart name", _multipart(b"\xff", b"x"), MULTIPART, "invalid UTF-8"),
    ("multipart truncated", b"--zz\r\nContent-Disposition: form-", MULTIPART, "Malformed form"),
]


@pytest.mark.parametrize("path", PATHS)
def test_unreadable_bodies_are_400(client: ApiClient, path: str) -> None:
    alice = client.make_user("alice")
    for label, body, headers, message in UNREADABLE:
        response = _post_raw(client, alice, path, body, headers)
        assert response.status_code == 400, (label, response.text)
        _assert_error(response, 400, message)
    assert status_row_count(client) == 0
    assert count_rows(client, schema.oauth_apps) == 1  # the test app of make_user


@pytest.mark.parametrize("path", PATHS)
def test_oversized_bodies_are_413(client: ApiClient, path: str) -> None:
    alice = client.make_user("alice")
    big = b" " * MAX_BODY_BYTES
    for body, headers in (
        (b'{"status": "x"}' + big, JSON),
        (b"status=x&pad=" + big, FORM),
        (_multipart(b"status", big), MULTIPART),
    ):
        response = _post_raw(client, alice, path, body, headers)
        _assert_error(response, 413, "Request body too large")


class _Upload:
    """An ASGI ``receive`` that offers a 100 MB body in 1 MB chunks and
    counts how many of them the application took."""

    def __init__(self, chunks: int = 100) -> None:
        self.chunk = b" " * 1_000_000
        self.left = chunks
        self.taken = 0

    async def receive(self) -> dict[str, Any]:
        if self.left == 0:
            await anyio.sleep_forever()
        self.left -= 1
        self.taken += 1
        return {"type": "http.request", "body": self.chunk, "more_body": self.left > 0}


def _asgi_post(client: ApiClient, path: str, headers: list[tuple[bytes, bytes]]) -> tuple[int, int]:
    """(status, chunks read) of a 100 MB JSON POST sent straight to the app."""
    upload = _Upload()
    statuses: list[int] = []

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    async def call() -> None:
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "POST",
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "root_path": "",
            "query_string": b"",
            "headers": [(b"host", b"testserver"), (b"content-type", b"application/json"), *headers],
            "client": ("127.0.0.1", 5000),
            "server": ("testserver", 80),
            "state": {},
        }
        await client.http.app(scope, upload.receive, send)  # type: ignore[arg-type]

    client.call(call)
    return statuses[0], upload.taken


@pytest.mark.parametrize("path", ["/oauth/token", "/api/v1/apps"])
def test_body_reading_stops_at_the_limit(client: ApiClient, path: str) -> None:
    """A 100 MB body used to be read whole before the size check."""
    status, taken = _asgi_post(client, path, [])
    assert status == 413
    assert taken <= 2, f"read {taken} MB of a 100 MB body"
    declared = [(b"content-length", b"100000000")]
    assert _asgi_post(client, path, declared) == (413, 0)


def test_valid_utf8_in_every_body_shape(client: ApiClient) -> None:
    alice = client.make_user("alice")
    text = "café 🦤"
    for body, headers in (
        ('{"status": "café 🦤"}'.encode(), JSON),
        ("status=café 🦤".encode(), FORM),  # raw UTF-8, not percent-encoded
        (b"status=caf%C3%A9+%F0%9F%A6%A4", FORM),
        (_multipart(b"status", text.encode()), MULTIPART),
    ):
        response = client.post("/api/v1/statuses", user=alice, content=body, headers=headers)
        assert response.status_code == 200, response.text
        assert response.json()["content"] == f"<p>{text}</p>"


def test_bad_query_strings(client: ApiClient) -> None:
    alice = client.make_user("alice")
    for path in (
        "/api/v1/statuses?id[]=%ff",
        "/api/v1/accounts/lookup?acct=%C3",
        "/api/v1/timelines/public?local=%fe",
    ):
        _assert_error(client.get(path), 400, "Malformed query string: invalid UTF-8")
    _assert_error(client.get("/api/v1/statuses?id[]=" + "1" * 20_000), 414, "too long")
    # Stray percent signs are kept literally, as browsers do: not an error.
    assert client.get("/api/v1/statuses?id[]=%zz&id[]=%").json() == []
    # A body's query string is checked too.
    response = client.post("/api/v1/statuses?status=%ff", user=alice, json={})
    _assert_error(response, 400, "Malformed query string")


def test_nul_characters_are_refused_on_every_input(client: ApiClient) -> None:
    """PostgreSQL text cannot hold NUL (a 500 there, stored on SQLite): one
    rule for both, in the request parser."""
    alice = client.make_user("alice")
    message = "contains a NUL character"
    cases: list[tuple[str, str, dict[str, Any]]] = [
        ("POST", "/api/v1/statuses", {"json": {"status": "a\x00b"}}),
        ("POST", "/api/v1/statuses", {"data": {"status": "a\x00b"}}),
        ("POST", "/api/v1/statuses", {"json": {"status": "x", "spoiler_text": "\x00"}}),
        ("POST", "/api/v1/statuses", {"json": {"status": "x", "location": {"name": "\x00"}}}),
        ("POST", "/api/v1/statuses", {"files": {"status": (None, "a\x00b")}}),
        ("PATCH", "/api/v1/accounts/update_credentials", {"data": {"display_name": "A\x00"}}),
        ("PATCH", "/api/v1/accounts/update_credentials", {"json": {"note": "\x00"}}),
        ("GET", "/api/v1/accounts/lookup", {"params": {"acct": "al\x00ice"}}),
    ]
    for method, path, kwargs in cases:
        response = client.request(method, path, user=alice, **kwargs)
        _assert_error(response, 422, message)
    for fields in ({"client_name": "a\x00b"}, {"redirect_uris": "https://app.example/\x00"}):
        response = client.post(
            "/api/v1/apps", data={"client_name": "x", "redirect_uris": OOB, **fields}
        )
        _assert_error(response, 422, message)
        assert next(iter(response.json()["details"])) in fields
    assert status_row_count(client) == 0
    assert count_rows(client, schema.oauth_apps) == 1
    me = client.get("/api/v1/accounts/verify_credentials", user=alice).json()
    assert me["display_name"] == "" and me["note"] == ""


def test_ids_with_non_ascii_digits(client: ApiClient) -> None:
    """``str.isdigit`` accepts "²" and "①", which ``int`` refuses: a 500 once."""
    alice = client.make_user("alice")
    status = post(client, alice, "x")
    found = client.get("/api/v1/statuses", params={"id[]": ["²", "①", status["id"]]})
    assert found.status_code == 200 and [s["id"] for s in found.json()] == [status["id"]]
    reply = client.post(
        "/api/v1/statuses", user=alice, json={"status": "re", "in_reply_to_id": "①"}
    )
    _assert_error(reply, 404, "not found")
    for path in ("/api/v1/statuses/①", "/api/v1/statuses/²/context", "/api/v1/accounts/①"):
        _assert_error(client.get(path), 404, "Not found")
    for path in ("/api/v1/favourites", "/api/v1/timelines/public", "/api/v1/timelines/home"):
        for name in ("max_id", "since_id", "min_id"):
            response = client.get(path, user=alice, params={name: "²"})
            _assert_error(response, 422, f"{name} must be a numeric id")
        _assert_error(client.get(path, user=alice, params={"limit": "①"}), 422, "limit")
    assert status_row_count(client) == 1


def test_remembered_query_strings_answer_as_parsed_ones(client: ApiClient) -> None:
    """Parsed query strings are remembered by their bytes (api.params): a bad
    one is refused every time, and each request gets a query of its own."""
    alice = client.make_user("alice")
    for _ in range(2):
        _assert_error(
            client.get("/api/v1/timelines/public?local=%fe"),
            400,
            "Malformed query string: invalid UTF-8",
        )
        bad = client.get("/api/v1/timelines/home?limit=many", user=alice)
        assert bad.status_code == 422, bad.text
        assert client.get("/api/v1/timelines/home?limit=1", user=alice).status_code == 200

    def request(raw: bytes) -> Request:
        return Request({"type": "http", "query_string": raw, "headers": []})

    first = parse_query(request(b"limit=5&max_id=9"), PageQuery)
    second = parse_query(request(b"limit=5&max_id=9"), PageQuery)
    assert first == second == PageQuery(limit=5, max_id="9")
    assert first is not second
    first.limit = 40  # one handler's change is not another's
    assert parse_query(request(b"limit=5&max_id=9"), PageQuery).limit == 5
    # Kinds with list fields are parsed every time (no memo to share lists);
    # a query carrying a token is never remembered.
    tagged = parse_query(request(b"any[]=a&any[]=b"), TagQuery)
    assert tagged.any == ["a", "b"]
    tagged.any.append("c")
    assert parse_query(request(b"any[]=a&any[]=b"), TagQuery).any == ["a", "b"]
    assert _memo_of(TagQuery) is None
    memo = _memo_of(PageQuery)
    assert memo is not None
    remembered = len(memo)
    parse_query(request(b"limit=3&access_token=secret"), PageQuery)
    assert len(memo) == remembered
