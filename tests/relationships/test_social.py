"""Follow options (reblogs, languages), mutes with a duration, endorsements,
domain blocks, suggestions, familiar followers and featured hashtags."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from roost.db import schema
from roost.relationships.store import _ttl_until
from tests.helpers import ApiClient, User
from tests.relationships.test_follow import pending_jobs
from tests.timelines.support import follow, home, post, reblog


def _relationship(client: ApiClient, user: User, target: User) -> dict[str, object]:
    response = client.get("/api/v1/accounts/relationships", params={"id[]": target.sid}, user=user)
    assert response.status_code == 200, response.text
    found: dict[str, object] = response.json()[0]
    return found


def test_follow_without_reblogs_keeps_their_reblogs_out_of_home(client: ApiClient) -> None:
    alice, bob, carol = (client.make_user(n) for n in ("alice", "bob", "carol"))
    follow(client, alice, bob, reblogs="false", **{"languages[]": ["en", "fr"]})
    client.drain()
    rel = _relationship(client, alice, bob)
    assert rel["showing_reblogs"] is False
    assert rel["languages"] == ["en", "fr"]
    original = post(client, carol, "worth sharing")
    shared = reblog(client, bob, original)
    own = post(client, bob, "my own words")
    client.drain()
    assert home(client, alice) == [own]
    assert shared not in home(client, alice)
    # Turned back on: later reblogs arrive.
    follow(client, alice, bob, reblogs="true")
    client.drain()
    assert _relationship(client, alice, bob)["showing_reblogs"] is True
    again = reblog(client, bob, post(client, carol, "another"))
    client.drain()
    assert home(client, alice)[0] == again


def _expire_mute(client: ApiClient, alice: User, bob: User) -> None:
    """Move the mute's end (and its job) into the past, as time would."""

    async def move() -> None:
        past = datetime.now(UTC) - timedelta(seconds=1)
        async with client.services.db.write() as conn:
            m = schema.mutes
            await conn.execute(
                m.update()
                .where(m.c.account_id == alice.id, m.c.target_account_id == bob.id)
                .values(expires_at=past)
            )
            await conn.execute(
                schema.jobs.update()
                .where(schema.jobs.c.kind == "mute_expired")
                .values(run_after=past)
            )

    client.call(move)


def test_a_mute_with_a_duration_ends_by_itself(client: ApiClient) -> None:
    alice, bob = client.make_user("alice"), client.make_user("bob")
    follow(client, alice, bob)
    client.drain()
    muted = client.post(f"/api/v1/accounts/{bob.id}/mute", user=alice, data={"duration": "3600"})
    assert muted.status_code == 200, muted.text
    assert muted.json()["muting"] is True
    assert sorted(k for k, _ in pending_jobs(client)) == ["mute_expired", "timeline_unfollow"]
    client.drain()  # the end's job is not due yet: it stays
    assert [k for k, _ in pending_jobs(client)] == ["mute_expired"]
    hidden = post(client, bob, "muted words")
    client.drain()
    assert hidden not in home(client, alice)

    _expire_mute(client, alice, bob)
    # Read from the database before the job: the ended mute no longer counts.
    client.call(client.services.cache.clear)
    assert _relationship(client, alice, bob)["muting"] is False
    client.drain()
    assert pending_jobs(client) == []

    async def mutes_left() -> int:
        async with client.services.db.read() as conn:
            return int(
                (await conn.execute(sa.select(sa.func.count()).select_from(schema.mutes))).scalar()
                or 0
            )

    assert client.call(mutes_left) == 0
    assert hidden in home(client, alice)
    assert client.get("/api/v1/mutes", user=alice).json() == []


def test_a_negative_mute_duration_is_refused(client: ApiClient) -> None:
    alice, bob = client.make_user("alice"), client.make_user("bob")
    response = client.post(f"/api/v1/accounts/{bob.id}/mute", user=alice, data={"duration": "-5"})
    assert response.status_code == 422
    assert client.get("/api/v1/mutes", user=alice).json() == []


def test_endorsements(client: ApiClient) -> None:
    alice, bob = client.make_user("alice"), client.make_user("bob")
    refused = client.post(f"/api/v1/accounts/{bob.id}/pin", user=alice)
    assert refused.status_code == 422, refused.text
    follow(client, alice, bob)
    pinned = client.post(f"/api/v1/accounts/{bob.id}/pin", user=alice)
    assert pinned.status_code == 200, pinned.text
    assert pinned.json()["endorsed"] is True
    assert _relationship(client, alice, bob)["endorsed"] is True
    assert [a["id"] for a in client.get("/api/v1/endorsements", user=alice).json()] == [bob.sid]
    unpinned = client.post(f"/api/v1/accounts/{bob.id}/unpin", user=alice).json()
    assert unpinned["endorsed"] is False
    assert client.get("/api/v1/endorsements", user=alice).json() == []


def test_domain_blocks_are_stored(client: ApiClient) -> None:
    alice = client.make_user("alice")
    for domain in ("spam.example", "Other.Example"):
        response = client.post("/api/v1/domain_blocks", user=alice, data={"domain": domain})
        assert response.status_code == 200, response.text
        assert response.json() == {}
    assert (
        client.post(
            "/api/v1/domain_blocks", user=alice, data={"domain": "spam.example"}
        ).status_code
        == 200
    )
    assert client.get("/api/v1/domain_blocks", user=alice).json() == [
        "other.example",
        "spam.example",
    ]
    bad = client.post("/api/v1/domain_blocks", user=alice, data={"domain": "not a domain"})
    assert bad.status_code == 422
    client.delete("/api/v1/domain_blocks", user=alice, data={"domain": "spam.example"})
    assert client.get("/api/v1/domain_blocks", user=alice).json() == ["other.example"]


def test_preferences(client: ApiClient) -> None:
    alice = client.make_user("alice")
    client.patch(
        "/api/v1/accounts/update_credentials",
        user=alice,
        data={"source[privacy]": "unlisted", "source[sensitive]": "true"},
    )
    prefs = client.get("/api/v1/preferences", user=alice).json()
    assert prefs["posting:default:visibility"] == "unlisted"
    assert prefs["posting:default:sensitive"] is True
    assert prefs["reading:expand:media"] == "default"


def test_suggestions_friends_of_friends_then_popular(client: ApiClient) -> None:
    alice, bob, carol, dave, erin, mallory = (
        client.make_user(n) for n in ("alice", "bob", "carol", "dave", "erin", "mallory")
    )
    follow(client, alice, bob)
    follow(client, bob, carol)
    follow(client, bob, mallory)
    follow(client, erin, dave)  # dave is followed by someone: popular
    client.post(f"/api/v1/accounts/{mallory.id}/block", user=alice)
    client.drain()
    found = client.get("/api/v2/suggestions", user=alice).json()
    ids = [s["account"]["id"] for s in found]
    assert ids[0] == carol.sid
    assert found[0]["sources"] == ["friends_of_friends"]
    assert dave.sid in ids
    assert bob.sid not in ids and mallory.sid not in ids and alice.sid not in ids
    v1 = client.get("/api/v1/suggestions", user=alice).json()
    assert [a["id"] for a in v1] == ids
    assert client.delete(f"/api/v1/suggestions/{carol.id}", user=alice).status_code == 200
    after = [s["account"]["id"] for s in client.get("/api/v2/suggestions", user=alice).json()]
    assert carol.sid not in after
    assert client.delete("/api/v1/suggestions/12345", user=alice).status_code == 404


def test_familiar_followers(client: ApiClient) -> None:
    alice, bob, carol, dave = (client.make_user(n) for n in ("alice", "bob", "carol", "dave"))
    follow(client, alice, bob)
    follow(client, bob, dave)
    follow(client, carol, dave)  # alice does not follow carol
    found = client.get(
        "/api/v1/accounts/familiar_followers",
        user=alice,
        params={"id[]": [dave.sid, carol.sid]},
    ).json()
    assert found == [
        {"id": dave.sid, "accounts": [found[0]["accounts"][0]]},
        {"id": carol.sid, "accounts": []},
    ]
    assert found[0]["accounts"][0]["id"] == bob.sid


def test_featured_tags(client: ApiClient) -> None:
    alice = client.make_user("alice")
    post(client, alice, "a #Garden post")
    post(client, alice, "more #garden and #birds")
    suggested = client.get("/api/v1/featured_tags/suggestions", user=alice).json()
    assert [t["name"] for t in suggested] == ["garden", "birds"]
    created = client.post("/api/v1/featured_tags", user=alice, data={"name": "#Garden"})
    assert created.status_code == 200, created.text
    tag = created.json()
    assert tag["name"] == "garden"
    assert tag["statuses_count"] == 2
    assert tag["last_status_at"] is not None
    again = client.post("/api/v1/featured_tags", user=alice, data={"name": "garden"}).json()
    assert again["id"] == tag["id"]
    assert (
        client.post("/api/v1/featured_tags", user=alice, data={"name": "no way"}).status_code == 422
    )
    public = client.get(f"/api/v1/accounts/{alice.id}/featured_tags").json()
    assert [t["name"] for t in public] == ["garden"]
    suggested = client.get("/api/v1/featured_tags/suggestions", user=alice).json()
    assert [t["name"] for t in suggested] == ["birds"]
    assert client.delete(f"/api/v1/featured_tags/{tag['id']}", user=alice).status_code == 200
    assert client.get("/api/v1/featured_tags", user=alice).json() == []
    assert client.delete(f"/api/v1/featured_tags/{tag['id']}", user=alice).status_code == 404


def test_cached_views_of_a_mute_do_not_outlive_it() -> None:
    now = datetime.now(UTC)
    # The entry lives until the first end within the cache TTL, no longer.
    ttl = _ttl_until([None, now + timedelta(seconds=30), now + timedelta(hours=5)])
    assert ttl is not None and 29 <= ttl <= 31
    assert _ttl_until([now - timedelta(seconds=5)]) == 1
    assert _ttl_until([None, now + timedelta(days=2)]) is None
    # SQLite hands back zone-less times (stored as UTC).
    naive = (now + timedelta(seconds=60)).replace(tzinfo=None)
    assert 59 <= (_ttl_until([naive]) or 0) <= 61


def test_a_muted_account_is_found_by_its_exact_name_only(client: ApiClient) -> None:
    alice, bob = client.make_user("alice"), client.make_user("bobby")
    client.post(f"/api/v1/accounts/{bob.id}/mute", user=alice)

    def found(q: str) -> list[str]:
        response = client.get("/api/v2/search", user=alice, params={"q": q, "type": "accounts"})
        assert response.status_code == 200, response.text
        return [a["id"] for a in response.json()["accounts"]]

    # To unmute it a client looks it up by name (toot's `unmute NAME`)...
    assert found("bobby") == [bob.sid]
    # ... but it stays out of prefix matches.
    assert found("bob") == []
