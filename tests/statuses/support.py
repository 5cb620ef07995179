"""Small helpers shared by the statuses tests."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from roost.db import schema
from tests.helpers import ApiClient, User


def post(client: ApiClient, user: User, text: str = "hello", **fields: Any) -> dict[str, Any]:
    """Post a status through the API and return its JSON (asserting success)."""
    response = client.post("/api/v1/statuses", user=user, json={"status": text, **fields})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def follow(client: ApiClient, follower: User, target: User) -> None:
    response = client.post(f"/api/v1/accounts/{target.id}/follow", user=follower)
    assert response.status_code == 200, response.text
    assert response.json()["following"] is True


def block(client: ApiClient, blocker: User, target: User) -> None:
    response = client.post(f"/api/v1/accounts/{target.id}/block", user=blocker)
    assert response.status_code == 200, response.text


def scalar(client: ApiClient, query: sa.Select[Any]) -> Any:
    """Run one SELECT on the primary database and return its first column."""

    async def run() -> Any:
        async with client.services.db.read(primary=True) as conn:
            return (await conn.execute(query)).scalar()

    return client.call(run)


def count_rows(client: ApiClient, table: sa.Table, *conditions: sa.ColumnElement[bool]) -> int:
    return int(scalar(client, sa.select(sa.func.count()).select_from(table).where(*conditions)))


def status_row_count(client: ApiClient) -> int:
    return count_rows(client, schema.statuses)


def jobs_of_kind(client: ApiClient, kind: str) -> list[dict[str, Any]]:
    async def run() -> list[dict[str, Any]]:
        j = schema.jobs
        async with client.services.db.read(primary=True) as conn:
            rows = await conn.execute(sa.select(j.c.payload).where(j.c.kind == kind))
            return [dict(r.payload) for r in rows]

    return client.call(run)


def account_row(client: ApiClient, user: User) -> dict[str, Any]:
    """The account's row (counters) straight from the database."""

    async def run() -> dict[str, Any]:
        a = schema.accounts
        async with client.services.db.read(primary=True) as conn:
            row = (
                await conn.execute(
                    sa.select(a.c.statuses_count, a.c.last_status_at).where(a.c.id == user.id)
                )
            ).one()
            return dict(row._asdict())

    return client.call(run)
