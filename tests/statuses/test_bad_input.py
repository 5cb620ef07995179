"""Whatever a client sends, the answer is a Mastodon error, never a 500."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers import ApiClient
from tests.statuses.support import post, status_row_count

BAD_BODIES: list[Any] = [
    {"status": 123},
    {"status": ["a"]},
    {"status": "x", "visibility": ["public"]},
    {"status": "x", "visibility": "everyone"},
    {"status": "x", "sensitive": "maybe"},
    {"status": "x", "in_reply_to_id": {"id": 1}},
    {"status": "x", "location": "Paris"},
    {"status": "x", "location": {"latitude": "north", "longitude": 1}},
    {"status": "x", "latitude": "nan", "longitude": "0"},
    {"status": "x", "media_ids": "1"},
    {"status": "x", "spoiler_text": "s" * 501},
    {"status": "x", "scheduled_at": "next week"},
    {"status": "x", "scheduled_at": "2000-01-01T00:00:00Z"},
    {"status": "x", "scheduled_at": ["2030-01-01T00:00:00Z"]},
    {"status": "x", "poll": {"options": ["a", "b"], "expires_in": 600}, "media_ids": ["1"]},
]


@pytest.mark.parametrize("body", BAD_BODIES)
def test_bad_post_bodies_are_4xx(client: ApiClient, body: Any) -> None:
    alice = client.make_user("alice")
    response = client.post("/api/v1/statuses", user=alice, json=body)
    assert 400 <= response.status_code < 500, response.text
    assert "error" in response.json()
    assert status_row_count(client) == 0


def test_unreadable_bodies(client: ApiClient) -> None:
    alice = client.make_user("alice")
    for content, raw in (
        ("application/json", b"{not json"),
        ("application/json", b"[1, 2]"),
        ("application/json", b'"just a string"'),
        ("multipart/form-data; boundary=zzz", b"--zzz\r\nbroken"),
        ("application/json", b'{"status": "x", "location": {"latitude": 1e400, "longitude": 1}}'),
    ):
        response = client.post(
            "/api/v1/statuses", user=alice, content=raw, headers={"Content-Type": content}
        )
        assert 400 <= response.status_code < 500, (content, response.text)
        assert "error" in response.json()
    assert status_row_count(client) == 0


def test_odd_but_valid_text_is_stored(client: ApiClient) -> None:
    alice = client.make_user("alice")
    body = post(client, alice, "odd\x01char 🦤 <script>alert(1)</script>")
    assert "<script>" not in body["content"]
    assert "🦤" in body["content"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/statuses/0",
        "/api/v1/statuses/18446744073709551616",
        "/api/v1/statuses/99999999999999999999999999999",
        "/api/v1/statuses/9223372036854775807/context",
        "/api/v1/statuses/abc",
        "/api/v1/statuses/-1",
        "/api/v1/statuses/12/favourited_by",
        "/api/v1/statuses/12/reblogged_by",
    ],
)
def test_unknown_or_impossible_ids_are_404(client: ApiClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert "error" in response.json()


def test_bad_paging_parameters(client: ApiClient) -> None:
    alice = client.make_user("alice")
    for params in ({"max_id": "abc"}, {"limit": "lots"}, {"min_id": "1" * 30}):
        response = client.get("/api/v1/favourites", user=alice, params=params)
        assert response.status_code == 422, (params, response.text)
    assert client.get("/api/v1/favourites", user=alice, params={"limit": "-5"}).status_code == 200
    ok = client.get("/api/v1/statuses", params={"id[]": ["abc", "99999999999999999999999", "12"]})
    assert ok.status_code == 200 and ok.json() == []


def test_reblog_visibility_validated(client: ApiClient) -> None:
    alice = client.make_user("alice")
    status = post(client, alice, "x")
    for visibility in ("direct", "nope"):
        response = client.post(
            f"/api/v1/statuses/{status['id']}/reblog",
            user=alice,
            json={"visibility": visibility},
        )
        assert response.status_code == 422
    unlisted = client.post(
        f"/api/v1/statuses/{status['id']}/reblog", user=alice, data={"visibility": "unlisted"}
    )
    assert unlisted.status_code == 200
    assert unlisted.json()["visibility"] == "unlisted"


def test_wrong_scope_is_403(client: ApiClient) -> None:
    alice = client.make_user("alice")
    status = post(client, alice, "x")

    async def read_only_token() -> str:
        services = client.services
        app_id = await client._test_app()
        async with services.db.write() as conn:
            issued = await services.tokens.issue(
                conn, app_id=app_id, account_id=alice.id, scopes="read"
            )
        return str(issued.access_token)

    token = client.call(read_only_token)
    headers = {"Authorization": f"Bearer {token}"}
    assert client.post("/api/v1/statuses", data={"status": "x"}, headers=headers).status_code == 403
    fav = client.post(f"/api/v1/statuses/{status['id']}/favourite", headers=headers)
    assert fav.status_code == 403
    assert client.get(f"/api/v1/statuses/{status['id']}", headers=headers).status_code == 200
    assert client.get("/api/v1/favourites", headers=headers).status_code == 200
