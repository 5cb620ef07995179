"""Steps the follow request tests share: lock an account, ask, answer, look."""

from __future__ import annotations

from typing import Any

from tests.helpers import ApiClient, User


def set_locked(client: ApiClient, user: User, locked: bool) -> dict[str, Any]:
    response = client.patch(
        "/api/v1/accounts/update_credentials",
        user=user,
        data={"locked": "true" if locked else "false"},
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert body["locked"] is locked
    return body


def locked_user(client: ApiClient, username: str) -> User:
    user = client.make_user(username)
    set_locked(client, user, True)
    return user


def follow(client: ApiClient, user: User, target: User, **fields: Any) -> dict[str, Any]:
    response = client.post(f"/api/v1/accounts/{target.id}/follow", user=user, data=fields)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def unfollow(client: ApiClient, user: User, target: User) -> dict[str, Any]:
    response = client.post(f"/api/v1/accounts/{target.id}/unfollow", user=user)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def answer(client: ApiClient, user: User, requester: User, verb: str) -> dict[str, Any]:
    """``authorize`` or ``reject`` a request, asserting success."""
    response = client.post(f"/api/v1/follow_requests/{requester.id}/{verb}", user=user)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert body["id"] == requester.sid
    return body


def relationship(client: ApiClient, viewer: User, other: User) -> dict[str, Any]:
    response = client.get("/api/v1/accounts/relationships", params={"id[]": other.sid}, user=viewer)
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()
    assert len(found) == 1
    return found[0]


def requesters(client: ApiClient, user: User, **params: Any) -> list[str]:
    """Account ids in ``user``'s follow request list (one page)."""
    response = client.get("/api/v1/follow_requests", user=user, params=params)
    assert response.status_code == 200, response.text
    return [a["id"] for a in response.json()]


def counters(client: ApiClient, user: User) -> tuple[int, int]:
    """(followers_count, following_count) as the API shows them."""
    response = client.get(f"/api/v1/accounts/{user.id}")
    assert response.status_code == 200, response.text
    body = response.json()
    return int(body["followers_count"]), int(body["following_count"])


def requests_count(client: ApiClient, user: User) -> int:
    response = client.get("/api/v1/accounts/verify_credentials", user=user)
    assert response.status_code == 200, response.text
    return int(response.json()["source"]["follow_requests_count"])


def status_visible(client: ApiClient, viewer: User, status_id: str) -> bool:
    response = client.get(f"/api/v1/statuses/{status_id}", user=viewer)
    assert response.status_code in (200, 404), response.text
    return response.status_code == 200
