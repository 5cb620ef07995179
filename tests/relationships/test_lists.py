"""Relationships lookup (batched) and followers/following lists."""

from __future__ import annotations

from tests.helpers import ApiClient, only_selects


def test_relationships_batch_in_constant_queries(client: ApiClient) -> None:
    alice = client.make_user("alice")
    others = [client.make_user(f"user{i}") for i in range(12)]
    for other in others[:4]:
        client.post(f"/api/v1/accounts/{other.id}/follow", user=alice)
    for other in others[2:6]:
        client.post(f"/api/v1/accounts/{alice.id}/follow", user=other)
    client.post(f"/api/v1/accounts/{others[7].id}/block", user=alice)
    client.post(f"/api/v1/accounts/{alice.id}/block", user=others[8])
    client.post(f"/api/v1/accounts/{others[9].id}/mute", user=alice)
    client.call(client.services.cache.clear)

    def ask(ids: list[str]) -> tuple[list[dict[str, object]], int]:
        with client.count_queries() as statements:
            response = client.get(
                "/api/v1/accounts/relationships", params={"id[]": ids}, user=alice
            )
        assert response.status_code == 200
        return response.json(), len(only_selects(statements))

    small, small_queries = ask([others[0].sid])
    client.call(client.services.cache.clear)
    ids = [o.sid for o in others] + ["999", "abc", "²", "9" * 19, others[0].sid]
    found, big_queries = ask(ids)
    assert small_queries == big_queries
    assert [r["id"] for r in found] == [o.sid for o in others]  # unknown and repeated ids left out
    by_id = {r["id"]: r for r in found}
    assert [by_id[o.sid]["following"] for o in others] == [True] * 4 + [False] * 8
    assert [by_id[o.sid]["followed_by"] for o in others] == [False] * 2 + [True] * 4 + [False] * 6
    assert by_id[others[7].sid]["blocking"] and not by_id[others[7].sid]["blocked_by"]
    assert by_id[others[8].sid]["blocked_by"] and not by_id[others[8].sid]["blocking"]
    assert by_id[others[9].sid]["muting"] and by_id[others[9].sid]["muting_notifications"]
    assert small[0] == by_id[others[0].sid]
    assert set(small[0]) >= {
        "id",
        "following",
        "showing_reblogs",
        "notifying",
        "followed_by",
        "blocking",
        "blocked_by",
        "muting",
        "muting_notifications",
        "requested",
        "requested_by",
        "domain_blocking",
        "endorsed",
        "note",
        "languages",
    }

    # Warm: no SQL at all (unknown ids are not cached, so leave them out).
    _, warm_queries = ask([o.sid for o in others])
    assert warm_queries == 0


def test_relationship_cache_follows_changes(client: ApiClient) -> None:
    alice, bob = client.make_user("alice"), client.make_user("bob")

    def following() -> object:
        response = client.get("/api/v1/accounts/relationships?id[]=" + bob.sid, user=alice)
        return response.json()[0]["following"]

    assert following() is False  # now cached
    client.post(f"/api/v1/accounts/{bob.id}/follow", user=alice)
    assert following() is True
    client.post(f"/api/v1/accounts/{alice.id}/block", user=bob)
    assert following() is False


def test_followers_and_following_pages(client: ApiClient) -> None:
    star = client.make_user("star")
    fans = [client.make_user(f"fan{i}") for i in range(5)]
    for fan in fans:
        client.post(f"/api/v1/accounts/{star.id}/follow", user=fan)

    everyone = client.get(f"/api/v1/accounts/{star.id}/followers")
    assert everyone.status_code == 200
    assert [a["id"] for a in everyone.json()] == [f.sid for f in reversed(fans)]
    assert everyone.json()[0]["username"] == "fan4"

    page1 = client.get(f"/api/v1/accounts/{star.id}/followers", params={"limit": 2})
    assert [a["id"] for a in page1.json()] == [fans[4].sid, fans[3].sid]
    assert page1.headers["Link"].index('rel="next"') < page1.headers["Link"].index('rel="prev"')
    page2 = client.get(page1.links["next"]["url"])
    assert [a["id"] for a in page2.json()] == [fans[2].sid, fans[1].sid]
    page3 = client.get(page2.links["next"]["url"])
    assert [a["id"] for a in page3.json()] == [fans[0].sid]
    empty = client.get(page3.links["next"]["url"])
    assert empty.json() == []
    assert "Link" not in empty.headers
    back = client.get(page2.links["prev"]["url"])
    assert [a["id"] for a in back.json()] == [fans[4].sid, fans[3].sid]

    # limit is clamped to 80, and at least 1.
    assert len(client.get(f"/api/v1/accounts/{star.id}/followers?limit=0").json()) == 1
    assert len(client.get(f"/api/v1/accounts/{star.id}/followers?limit=500").json()) == 5

    following = client.get(f"/api/v1/accounts/{fans[0].id}/following", user=fans[1])
    assert [a["id"] for a in following.json()] == [star.sid]
    assert client.get("/api/v1/accounts/4242/followers").status_code == 404
    assert client.get("/api/v1/accounts/4242/following").status_code == 404

    # An account that blocks the viewer shows it no followers.
    client.post(f"/api/v1/accounts/{fans[0].id}/block", user=star)
    assert client.get(f"/api/v1/accounts/{star.id}/followers", user=fans[0]).json() == []
    assert len(client.get(f"/api/v1/accounts/{star.id}/followers", user=fans[1]).json()) == 4
