"""Steps the list tests share."""

from __future__ import annotations

from typing import Any

from tests.helpers import ApiClient, User


def make_list(client: ApiClient, user: User, title: str = "friends", **fields: Any) -> str:
    response = client.post("/api/v1/lists", user=user, data={"title": title, **fields})
    assert response.status_code == 200, response.text
    return str(response.json()["id"])


def add(client: ApiClient, user: User, list_id: str, *members: User) -> None:
    response = client.post(
        f"/api/v1/lists/{list_id}/accounts",
        user=user,
        data={"account_ids[]": [m.sid for m in members]},
    )
    assert response.status_code == 200, response.text
    assert response.json() == {}


def list_timeline(client: ApiClient, user: User, list_id: str, **params: Any) -> list[str]:
    response = client.get(f"/api/v1/timelines/list/{list_id}", user=user, params=params)
    assert response.status_code == 200, response.text
    return [s["id"] for s in response.json()]


def cached_list(client: ApiClient, list_id: str) -> list[int] | None:
    """The list's timeline as the store holds it (None: not cached)."""
    from roost.kernel.cachekeys import list_timeline_key
    from roost.kernel.paging import Page

    async def read() -> list[int] | None:
        return await client.services.timelines.range(
            list_timeline_key(int(list_id)), Page(limit=10_000)
        )

    return client.call(read)
