"""Blocks and mutes: flags, follows removed, counters, jobs, lists."""

from __future__ import annotations

from tests.helpers import ApiClient
from tests.relationships.test_follow import counts, pending_jobs


def test_block_removes_follows_both_ways(client: ApiClient) -> None:
    alice, bob = client.make_user("alice"), client.make_user("bob")
    client.post(f"/api/v1/accounts/{bob.id}/follow", user=alice)
    client.post(f"/api/v1/accounts/{alice.id}/follow", user=bob)
    client.drain()
    assert counts(client, alice) == (1, 1)

    rel = client.post(f"/api/v1/accounts/{bob.id}/block", user=alice).json()
    assert rel["blocking"] is True
    assert rel["following"] is False
    assert rel["followed_by"] is False
    assert counts(client, alice) == (0, 0)
    assert counts(client, bob) == (0, 0)
    jobs = pending_jobs(client)
    assert sorted((k, p["account_id"], p["target_account_id"]) for k, p in jobs) == sorted(
        [
            ("timeline_unfollow", alice.id, bob.id),
            ("timeline_unfollow", bob.id, alice.id),
        ]
    )
    other_side = client.get("/api/v1/accounts/relationships", params={"id[]": alice.sid}, user=bob)
    assert other_side.json()[0]["blocked_by"] is True
    assert other_side.json()[0]["blocking"] is False

    # Blocking twice is harmless; unblocking does not bring the follows back.
    assert client.post(f"/api/v1/accounts/{bob.id}/block", user=alice).status_code == 200
    rel = client.post(f"/api/v1/accounts/{bob.id}/unblock", user=alice).json()
    assert rel["blocking"] is False
    assert rel["following"] is False
    assert counts(client, bob) == (0, 0)
    # And following works again.
    assert client.post(f"/api/v1/accounts/{bob.id}/follow", user=alice).json()["following"]


def test_mute_and_unmute(client: ApiClient) -> None:
    alice, bob = client.make_user("alice"), client.make_user("bob")
    client.post(f"/api/v1/accounts/{bob.id}/follow", user=alice)
    client.drain()
    rel = client.post(f"/api/v1/accounts/{bob.id}/mute", user=alice).json()
    assert rel["muting"] is True
    assert rel["muting_notifications"] is True
    assert rel["following"] is True  # a mute keeps the follow
    assert counts(client, bob) == (1, 0)
    assert [k for k, _ in pending_jobs(client)] == ["timeline_unfollow"]
    client.drain()

    rel = client.post(
        f"/api/v1/accounts/{bob.id}/mute", user=alice, data={"notifications": "false"}
    ).json()
    assert rel["muting"] is True
    assert rel["muting_notifications"] is False
    assert pending_jobs(client) == []

    rel = client.post(f"/api/v1/accounts/{bob.id}/unmute", user=alice).json()
    assert rel["muting"] is False
    assert rel["muting_notifications"] is False
    # Still following: the muted statuses are merged back.
    assert [k for k, _ in pending_jobs(client)] == ["timeline_follow"]

    assert client.post(f"/api/v1/accounts/{alice.id}/mute", user=alice).status_code == 403
    assert client.post("/api/v1/accounts/777/mute", user=alice).status_code == 404


def test_blocks_and_mutes_lists(client: ApiClient) -> None:
    alice = client.make_user("alice")
    others = [client.make_user(f"user{i}") for i in range(3)]
    for other in others:
        client.post(f"/api/v1/accounts/{other.id}/block", user=alice)
    client.post(f"/api/v1/accounts/{others[0].id}/mute", user=alice)

    blocks = client.get("/api/v1/blocks", user=alice)
    assert blocks.status_code == 200
    # Most recent first.
    assert [a["id"] for a in blocks.json()] == [o.sid for o in reversed(others)]
    first = client.get("/api/v1/blocks", params={"limit": 2}, user=alice)
    assert [a["id"] for a in first.json()] == [others[2].sid, others[1].sid]
    next_url = first.links["next"]["url"]
    rest = client.get(next_url, user=alice)
    assert [a["id"] for a in rest.json()] == [others[0].sid]

    mutes = client.get("/api/v1/mutes", user=alice)
    assert [a["id"] for a in mutes.json()] == [others[0].sid]
    assert client.get("/api/v1/mutes").status_code == 401
