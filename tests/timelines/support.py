"""Small steps the timeline tests share: post, follow, read a timeline."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tests.helpers import ApiClient, User


def post(client: ApiClient, user: User, text: str, **fields: Any) -> str:
    response = client.post("/api/v1/statuses", user=user, data={"status": text, **fields})
    assert response.status_code == 200, response.text
    return str(response.json()["id"])


def reblog(client: ApiClient, user: User, status_id: str) -> str:
    response = client.post(f"/api/v1/statuses/{status_id}/reblog", user=user)
    assert response.status_code == 200, response.text
    return str(response.json()["id"])


def delete(client: ApiClient, user: User, status_id: str) -> None:
    response = client.delete(f"/api/v1/statuses/{status_id}", user=user)
    assert response.status_code == 200, response.text


def follow(client: ApiClient, user: User, target: User, **fields: Any) -> None:
    response = client.post(f"/api/v1/accounts/{target.id}/follow", user=user, data=fields)
    assert response.status_code == 200, response.text


def unfollow(client: ApiClient, user: User, target: User) -> None:
    response = client.post(f"/api/v1/accounts/{target.id}/unfollow", user=user)
    assert response.status_code == 200, response.text


def home(client: ApiClient, user: User, **params: Any) -> list[str]:
    response = client.get("/api/v1/timelines/home", user=user, params=params)
    assert response.status_code == 200, response.text
    return [s["id"] for s in response.json()]


def timeline(
    client: ApiClient,
    path: str,
    user: User | None = None,
    *,
    query: Mapping[str, str] | None = None,
    **params: Any,
) -> list[str]:
    """Status ids of a timeline page. ``query``: parameters whose names are
    not Python identifiers (``any[]``)."""
    response = client.get(path, user=user, params={**params, **(query or {})})
    assert response.status_code == 200, response.text
    return [s["id"] for s in response.json()]


def cached_home(client: ApiClient, user: User) -> list[int] | None:
    """The home timeline as the store holds it (None: not cached)."""
    from roost.kernel.paging import Page

    async def read() -> list[int] | None:
        return await client.services.timelines.range(f"home:{user.id}", Page(limit=10_000))

    return client.call(read)


def newest_first(ids: list[str]) -> list[str]:
    return sorted(ids, key=int, reverse=True)


def block(client: ApiClient, user: User, target: User) -> None:
    response = client.post(f"/api/v1/accounts/{target.id}/block", user=user)
    assert response.status_code == 200, response.text
