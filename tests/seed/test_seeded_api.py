"""Seeded data is usable through the API: log in with the demo password and
read a home timeline that is rebuilt from the database on first read."""

from __future__ import annotations

import sqlalchemy as sa

from roost.db import schema
from roost.seed.graphs import read_reed98
from roost.seed.loader import DEMO_PASSWORD, SeedOptions, seed_database
from tests.helpers import ApiClient


def test_seeded_user_logs_in_and_reads_home(client: ApiClient) -> None:
    report = client.call(
        seed_database, client.services, read_reed98(), SeedOptions(posts_min=1, posts_max=2)
    )
    app = client.post(
        "/api/v1/apps",
        json={
            "client_name": "seed test",
            "redirect_uris": "urn:ietf:wg:oauth:2.0:oob",
            "scopes": "read",
        },
    ).json()
    issued = client.post(
        "/oauth/token",
        data={
            "grant_type": "password",
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
            "username": "username_0@example.com",
            "password": DEMO_PASSWORD,
            "scope": "read",
        },
    )
    assert issued.status_code == 200, issued.text
    headers = {"Authorization": f"Bearer {issued.json()['access_token']}"}

    me = client.get("/api/v1/accounts/verify_credentials", headers=headers).json()
    assert me["id"] == str(int(report.account_ids[0]))
    assert me["username"] == "username_0"
    assert me["followers_count"] == me["following_count"] == 73
    assert 1 <= me["statuses_count"] <= 2

    home = client.get("/api/v1/timelines/home", headers=headers, params={"limit": 20})
    assert home.status_code == 200, home.text
    statuses = home.json()
    assert len(statuses) == 20
    ids = [int(st["id"]) for st in statuses]
    assert ids == sorted(ids, reverse=True)

    async def followed_and_self() -> set[str]:
        f = schema.follows
        async with client.services.db.read(primary=True) as conn:
            rows = await conn.execute(
                sa.select(f.c.target_account_id).where(f.c.account_id == int(me["id"]))
            )
            return {str(r[0]) for r in rows} | {me["id"]}

    authors = client.call(followed_and_self)
    assert {st["account"]["id"] for st in statuses} <= authors

    # The newest posts of those 74 accounts: nothing newer was left out.
    async def newest() -> list[int]:
        s = schema.statuses
        async with client.services.db.read(primary=True) as conn:
            rows = await conn.execute(
                sa.select(s.c.id)
                .where(s.c.account_id.in_([int(x) for x in authors]))
                .order_by(s.c.id.desc())
                .limit(20)
            )
            return [int(r[0]) for r in rows]

    assert ids == client.call(newest)
