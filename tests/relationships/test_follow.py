"""Follow / unfollow: relationship flags, counters, jobs, errors."""

from __future__ import annotations

import sqlalchemy as sa

from roost.db import schema
from tests.helpers import ApiClient, User


def account(client: ApiClient, user: User) -> dict[str, object]:
    response = client.get(f"/api/v1/accounts/{user.id}", user=user)
    if response.status_code == 200:
        return dict(response.json())

    # Accounts area not mounted yet: read the counters from the database.
    async def read() -> dict[str, object]:
        a = schema.accounts
        async with client.services.db.read() as conn:
            row = (
                await conn.execute(
                    sa.select(a.c.followers_count, a.c.following_count).where(a.c.id == user.id)
                )
            ).one()
        return {"followers_count": row[0], "following_count": row[1]}

    return client.call(read)


def counts(client: ApiClient, user: User) -> tuple[object, object]:
    found = account(client, user)
    return found["followers_count"], found["following_count"]


def pending_jobs(client: ApiClient) -> list[tuple[str, dict[str, object]]]:
    async def read() -> list[tuple[str, dict[str, object]]]:
        j = schema.jobs
        async with client.services.db.read() as conn:
            rows = (await conn.execute(sa.select(j.c.kind, j.c.payload).order_by(j.c.id))).all()
        return [(str(r[0]), dict(r[1])) for r in rows]

    return client.call(read)


def test_follow_sets_relationship_and_counters(client: ApiClient) -> None:
    alice, bob = client.make_user("alice"), client.make_user("bob")
    response = client.post(f"/api/v1/accounts/{bob.id}/follow", user=alice)
    assert response.status_code == 200, response.text
    rel = response.json()
    assert rel["id"] == bob.sid
    assert rel["following"] is True
    assert rel["showing_reblogs"] is True
    assert rel["notifying"] is False
    assert rel["followed_by"] is False
    assert rel["requested"] is False
    assert counts(client, alice) == (0, 1)
    assert counts(client, bob) == (1, 0)
    assert pending_jobs(client) == [
        ("timeline_follow", {"account_id": alice.id, "target_account_id": bob.id}),
        (
            "notify_event",
            {"type": "follow", "account_id": bob.id, "from_account_id": alice.id, "status_id": 0},
        ),
    ]

    # The other side sees followed_by.
    back = client.get("/api/v1/accounts/relationships", params={"id[]": alice.sid}, user=bob)
    assert back.json()[0]["followed_by"] is True
    assert back.json()[0]["following"] is False


def test_follow_again_updates_options_without_counting_twice(client: ApiClient) -> None:
    alice, bob = client.make_user("alice"), client.make_user("bob")
    client.post(f"/api/v1/accounts/{bob.id}/follow", user=alice)
    client.drain()
    response = client.post(
        f"/api/v1/accounts/{bob.id}/follow", user=alice, data={"reblogs": "0", "notify": "true"}
    )
    rel = response.json()
    assert rel["following"] is True
    assert rel["showing_reblogs"] is False
    assert rel["notifying"] is True
    assert counts(client, bob) == (1, 0)
    assert pending_jobs(client) == []
    # Options not given keep their value (JSON body this time).
    rel = client.post(
        f"/api/v1/accounts/{bob.id}/follow", user=alice, json={"reblogs": True}
    ).json()
    assert rel["showing_reblogs"] is True
    assert rel["notifying"] is True


def test_unfollow(client: ApiClient) -> None:
    alice, bob = client.make_user("alice"), client.make_user("bob")
    client.post(f"/api/v1/accounts/{bob.id}/follow", user=alice)
    client.drain()
    rel = client.post(f"/api/v1/accounts/{bob.id}/unfollow", user=alice).json()
    assert rel["following"] is False
    assert counts(client, alice) == (0, 0)
    assert counts(client, bob) == (0, 0)
    assert pending_jobs(client) == [
        ("timeline_unfollow", {"account_id": alice.id, "target_account_id": bob.id})
    ]
    client.drain()
    # Unfollowing again is a harmless no-op.
    again = client.post(f"/api/v1/accounts/{bob.id}/unfollow", user=alice)
    assert again.status_code == 200
    assert counts(client, bob) == (0, 0)
    assert pending_jobs(client) == []


def test_follow_errors(client: ApiClient) -> None:
    alice = client.make_user("alice")
    assert client.post(f"/api/v1/accounts/{alice.id}/follow", user=alice).status_code == 403
    missing = client.post("/api/v1/accounts/12345/follow", user=alice)
    assert missing.status_code == 404
    assert missing.json() == {"error": "Record not found"}
    assert client.post("/api/v1/accounts/12345/follow").status_code == 401
    huge = client.post(f"/api/v1/accounts/{1 << 64}/follow", user=alice)
    assert huge.status_code == 404
    bad = client.post("/api/v1/accounts/1/follow", user=alice, data={"reblogs": "maybe"})
    assert bad.status_code == 422
    assert counts(client, alice) == (0, 0)


def test_follow_requires_follow_scope(client: ApiClient) -> None:
    alice, bob = client.make_user("alice"), client.make_user("bob")

    async def read_only_token() -> str:
        services = client.services
        async with services.db.write() as conn:
            app_id = services.ids.next_id()
            from datetime import UTC, datetime

            await conn.execute(
                schema.oauth_apps.insert().values(
                    id=app_id,
                    name="ro",
                    redirect_uris="urn:ietf:wg:oauth:2.0:oob",
                    scopes="read",
                    client_id=f"ro-{app_id}",
                    client_secret="y" * 43,
                    created_at=datetime.now(UTC),
                )
            )
            issued = await services.tokens.issue(
                conn, app_id=app_id, account_id=alice.id, scopes="read"
            )
        return issued.access_token

    token = client.call(read_only_token)
    headers = {"Authorization": f"Bearer {token}"}
    assert client.post(f"/api/v1/accounts/{bob.id}/follow", headers=headers).status_code == 403
    rels = client.get("/api/v1/accounts/relationships", params={"id[]": bob.sid}, headers=headers)
    assert rels.status_code == 200


def test_cannot_follow_across_a_block(client: ApiClient) -> None:
    alice, bob = client.make_user("alice"), client.make_user("bob")
    client.post(f"/api/v1/accounts/{alice.id}/block", user=bob)
    assert client.post(f"/api/v1/accounts/{bob.id}/follow", user=alice).status_code == 403
    assert client.post(f"/api/v1/accounts/{alice.id}/follow", user=bob).status_code == 403
    assert counts(client, alice) == (0, 0)
    assert counts(client, bob) == (0, 0)
