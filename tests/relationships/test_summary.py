"""The per-reader relation summary (``rsum:<viewer>``): a reader's first read
of an account costs no query for relations, and every change of the graph
shows at once on the user timeline, the home timeline and the relationships
endpoint, on both sides of the pair, however warm the summaries were."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
import pytest

from roost.admin.actions import take_action
from roost.db import schema
from roost.kernel.cachekeys import relation_summary_key
from roost.relationships import summary
from tests.helpers import ApiClient, User
from tests.relationships.requests_support import answer, locked_user
from tests.timelines.support import follow, home, post, reblog, unfollow


def profile(client: ApiClient, viewer: User, author: User) -> list[str]:
    """Status ids of ``author``'s page as ``viewer`` sees it."""
    response = client.get(f"/api/v1/accounts/{author.id}/statuses", user=viewer)
    assert response.status_code == 200, response.text
    return [s["id"] for s in response.json()]


def rel(client: ApiClient, viewer: User, other: User) -> dict[str, Any]:
    response = client.get("/api/v1/accounts/relationships", params={"id[]": other.sid}, user=viewer)
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()[0]
    return found


def shown(client: ApiClient, viewer: User, status_id: str) -> bool:
    response = client.get(f"/api/v1/statuses/{status_id}", user=viewer)
    assert response.status_code in (200, 404), response.text
    return response.status_code == 200


def cached_summary(client: ApiClient, viewer: User) -> bytes | None:
    key = relation_summary_key(viewer.id)

    async def read() -> bytes | None:
        return (await client.services.cache.get_many([key])).get(key)

    return client.call(read)


def write_back(client: ApiClient, viewer: User, raw: bytes) -> None:
    """What a reader that loaded the summary just before a change would do
    after the change dropped it."""

    async def write() -> None:
        await client.services.cache.set_many({relation_summary_key(viewer.id): raw}, ttl=3600)

    client.call(write)


def test_first_read_of_an_account_runs_no_sql_with_a_warm_summary(client: ApiClient) -> None:
    alice, bob, carol, dave, eve = (
        client.make_user(n) for n in ("alice", "bob", "carol", "dave", "eve")
    )
    follow(client, alice, carol)
    client.drain()
    post(client, bob, "bob's")
    boosted = post(client, carol, "carol's")
    post(client, carol, "for followers", visibility="private")
    post(client, dave, "dave's")
    boost = reblog(client, dave, boosted)
    client.drain()
    for author in (bob, carol, dave):
        profile(client, eve, author)  # the authors' lists, records, accounts
    assert home(client, alice)  # alice's marks and filters
    profile(client, alice, bob)  # alice's summary
    with client.count_queries() as statements:
        first = profile(client, alice, dave)
    assert statements == []
    assert boost in first
    with client.count_queries() as statements:
        carols = profile(client, alice, carol)
    assert statements == []
    assert len(carols) == 2  # the followers-only status too


def test_follow_and_unfollow_show_at_once(client: ApiClient) -> None:
    alice, bob = client.make_user("alice"), client.make_user("bob")
    secret = post(client, bob, "followers only", visibility="private")
    public = post(client, bob, "public")
    client.drain()
    assert profile(client, alice, bob) == [public]
    assert rel(client, alice, bob)["following"] is False
    assert rel(client, bob, alice)["followed_by"] is False

    follow(client, alice, bob)
    assert profile(client, alice, bob) == [public, secret]
    assert shown(client, alice, secret)
    assert rel(client, alice, bob)["following"] is True
    assert rel(client, bob, alice)["followed_by"] is True
    client.drain()
    assert secret in home(client, alice)

    unfollow(client, alice, bob)
    assert profile(client, alice, bob) == [public]
    assert not shown(client, alice, secret)
    assert rel(client, alice, bob)["following"] is False
    assert rel(client, bob, alice)["followed_by"] is False
    client.drain()
    assert secret not in home(client, alice)


def test_a_block_by_the_author_hides_at_once(client: ApiClient) -> None:
    alice, bob, carol = (client.make_user(n) for n in ("alice", "bob", "carol"))
    follow(client, alice, carol)
    client.drain()
    original = post(client, bob, "bob's")
    boost = reblog(client, carol, original)
    client.drain()
    assert profile(client, alice, bob) == [original]
    assert boost in profile(client, alice, carol)
    assert boost in home(client, alice)
    assert rel(client, alice, bob)["blocked_by"] is False

    # The block is bob's: alice's summary changes too.
    assert client.post(f"/api/v1/accounts/{alice.id}/block", user=bob).status_code == 200
    assert profile(client, alice, bob) == []
    assert boost not in profile(client, alice, carol)
    assert boost not in home(client, alice)
    assert not shown(client, alice, original)
    assert rel(client, alice, bob)["blocked_by"] is True

    assert client.post(f"/api/v1/accounts/{alice.id}/unblock", user=bob).status_code == 200
    assert profile(client, alice, bob) == [original]
    assert boost in profile(client, alice, carol)
    assert rel(client, alice, bob)["blocked_by"] is False


def test_a_block_by_the_reader_hides_at_once(client: ApiClient) -> None:
    alice, bob, carol = (client.make_user(n) for n in ("alice", "bob", "carol"))
    original = post(client, bob, "bob's")
    boost = reblog(client, carol, original)
    client.drain()
    assert boost in profile(client, alice, carol)
    assert rel(client, bob, alice)["blocked_by"] is False

    assert client.post(f"/api/v1/accounts/{bob.id}/block", user=alice).status_code == 200
    assert profile(client, alice, bob) == []
    assert boost not in profile(client, alice, carol)
    assert rel(client, alice, bob)["blocking"] is True
    assert rel(client, bob, alice)["blocked_by"] is True
    assert profile(client, bob, alice) == []  # bob's view of alice: blocked by her


def test_mute_unmute_and_the_end_of_a_mute(client: ApiClient) -> None:
    alice, bob = client.make_user("alice"), client.make_user("bob")
    follow(client, alice, bob)
    client.drain()
    assert rel(client, alice, bob)["muting"] is False

    muted = client.post(f"/api/v1/accounts/{bob.id}/mute", user=alice, data={"duration": "3600"})
    assert muted.status_code == 200, muted.text
    found = rel(client, alice, bob)
    assert (found["muting"], found["muting_notifications"]) == (True, True)
    client.drain()
    hidden = post(client, bob, "while muted")
    client.drain()
    assert hidden not in home(client, alice)
    assert hidden in profile(client, alice, bob)  # an account's own page shows despite a mute

    client.post(f"/api/v1/accounts/{bob.id}/mute", user=alice, data={"notifications": "false"})
    assert rel(client, alice, bob)["muting_notifications"] is False
    assert client.post(f"/api/v1/accounts/{bob.id}/unmute", user=alice).status_code == 200
    assert rel(client, alice, bob)["muting"] is False
    client.drain()
    assert hidden in home(client, alice)

    client.post(f"/api/v1/accounts/{bob.id}/mute", user=alice, data={"duration": "3600"})
    client.drain()
    assert rel(client, alice, bob)["muting"] is True  # cached with the mute

    async def end_now() -> None:
        past = datetime.now(UTC) - timedelta(seconds=1)
        async with client.services.db.write() as conn:
            m, jobs = schema.mutes, schema.jobs
            await conn.execute(m.update().values(expires_at=past))
            await conn.execute(
                jobs.update().where(jobs.c.kind == "mute_expired").values(run_after=past)
            )

    client.call(end_now)
    client.drain()  # the mute_expired job
    assert rel(client, alice, bob)["muting"] is False
    assert hidden in home(client, alice)


def test_follow_requests_answered_show_at_once(client: ApiClient) -> None:
    alice = locked_user(client, "alice")
    bob, carol = client.make_user("bob"), client.make_user("carol")
    secret = post(client, alice, "followers only", visibility="private")
    client.drain()
    for reader in (bob, carol):
        assert profile(client, reader, alice) == []
        assert rel(client, reader, alice)["requested"] is False

    follow(client, bob, alice)
    follow(client, carol, alice)
    assert rel(client, bob, alice)["requested"] is True
    assert rel(client, alice, bob)["requested_by"] is True
    assert profile(client, bob, alice) == []  # a request is not a follow

    answer(client, alice, bob, "authorize")
    assert profile(client, bob, alice) == [secret]
    found = rel(client, bob, alice)
    assert (found["following"], found["requested"]) == (True, False)
    assert rel(client, alice, bob)["followed_by"] is True

    answer(client, alice, carol, "reject")
    found = rel(client, carol, alice)
    assert (found["following"], found["requested"]) == (False, False)
    assert rel(client, alice, carol)["requested_by"] is False
    assert profile(client, carol, alice) == []


def test_a_suspension_hides_at_once(client: ApiClient) -> None:
    alice, bob, carol = (client.make_user(n) for n in ("alice", "bob", "carol"))
    follow(client, alice, carol)
    client.drain()
    original = post(client, bob, "bob's")
    boost = reblog(client, carol, original)
    client.drain()
    assert boost in profile(client, alice, carol)
    assert boost in home(client, alice)

    async def suspend() -> None:
        await take_action(
            client.services, moderator_id=carol.id, account_id=bob.id, action="suspend"
        )

    client.call(suspend)
    assert boost not in profile(client, alice, carol)
    assert boost not in home(client, alice)
    assert not shown(client, alice, original)


def test_a_domain_block_changes_no_relation(client: ApiClient) -> None:
    """Every account is local: a blocked domain hides nothing."""
    alice, bob = client.make_user("alice"), client.make_user("bob")
    public = post(client, bob, "public")
    client.drain()
    before = rel(client, alice, bob)
    blocked = client.post("/api/v1/domain_blocks", user=alice, data={"domain": "example.com"})
    assert blocked.status_code == 200, blocked.text
    assert rel(client, alice, bob) == before
    assert profile(client, alice, bob) == [public]


def test_a_summary_written_back_from_before_a_change_is_never_used(client: ApiClient) -> None:
    alice, bob = client.make_user("alice"), client.make_user("bob")
    follow(client, alice, bob)
    client.drain()
    secret = post(client, bob, "followers only", visibility="private")
    client.drain()
    assert profile(client, alice, bob) == [secret]
    following = cached_summary(client, alice)
    assert following is not None

    unfollow(client, alice, bob)
    write_back(client, alice, following)
    # No job needed: the stale summary's generation is not the reader's.
    assert profile(client, alice, bob) == []
    assert not shown(client, alice, secret)
    assert rel(client, alice, bob)["following"] is False

    public = post(client, bob, "public")
    client.drain()
    assert profile(client, alice, bob) == [public]
    unblocked = cached_summary(client, alice)
    assert unblocked is not None
    assert client.post(f"/api/v1/accounts/{alice.id}/block", user=bob).status_code == 200
    write_back(client, alice, unblocked)
    assert profile(client, alice, bob) == []
    assert not shown(client, alice, public)


def test_a_reader_with_too_many_relations_falls_back_to_pairs(
    client: ApiClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(summary, "SUMMARY_LIMIT", 1)
    alice, bob, carol, dave = (client.make_user(n) for n in ("alice", "bob", "carol", "dave"))
    secret = post(client, bob, "followers only", visibility="private")
    for reader in (bob, carol):
        follow(client, reader, alice)  # alice's followers overflow
    follow(client, alice, dave)
    client.drain()
    found = rel(client, alice, bob)
    assert (found["followed_by"], found["following"]) == (True, False)
    assert rel(client, alice, dave)["following"] is True
    raw = cached_summary(client, alice)
    assert raw is not None
    decoded = msgspec.msgpack.decode(raw, type=summary.RelationSummary)
    assert decoded.followed_by is None and decoded.following == frozenset({dave.id})
    assert profile(client, alice, bob) == []

    follow(client, alice, bob)  # now alice's follows overflow as well
    assert profile(client, alice, bob) == [secret]
    assert rel(client, alice, bob)["following"] is True
    unfollow(client, alice, bob)
    assert profile(client, alice, bob) == []
    follow(client, alice, bob)
    assert client.post(f"/api/v1/accounts/{alice.id}/block", user=bob).status_code == 200
    assert profile(client, alice, bob) == []
    assert rel(client, alice, bob)["blocked_by"] is True
