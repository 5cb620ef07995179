"""Home timeline: fan-out, rebuild, follow merge, unfollow, block, mute, delete."""

from __future__ import annotations

from tests.helpers import ApiClient
from tests.timelines.support import (
    cached_home,
    delete,
    follow,
    home,
    post,
    unfollow,
)


def test_home_has_own_and_followed_posts_newest_first(client: ApiClient) -> None:
    alice, bob, carol = (client.make_user(n) for n in ("alice", "bob", "carol"))
    follow(client, alice, bob)
    client.drain()
    assert home(client, alice) == []  # builds alice's (empty) cached timeline
    a1 = post(client, alice, "alice one")
    b1 = post(client, bob, "bob one")
    c1 = post(client, carol, "carol one")  # not followed
    a2 = post(client, alice, "alice two")
    client.drain()
    assert cached_home(client, alice) == [int(a2), int(b1), int(a1)]
    assert home(client, alice) == [a2, b1, a1]
    assert home(client, bob) == [b1]
    assert home(client, carol) == [c1]


def test_fanout_reaches_existing_timelines_only_and_rebuild_matches(client: ApiClient) -> None:
    alice, bob = client.make_user("alice"), client.make_user("bob")
    follow(client, alice, bob)
    client.drain()
    b1 = post(client, bob, "one")
    client.drain()
    assert cached_home(client, alice) is None  # never read: nothing cached, nothing pushed
    assert home(client, alice) == [b1]  # rebuilt from the database
    b2 = post(client, bob, "two")
    client.drain()
    assert home(client, alice) == [b2, b1]
    before = cached_home(client, alice)
    client.call(client.services.timelines.clear)
    assert home(client, alice) == [b2, b1]
    assert cached_home(client, alice) == before


def test_later_follower_sees_older_posts(client: ApiClient) -> None:
    alice, bob = client.make_user("alice"), client.make_user("bob")
    old = [post(client, bob, f"old {i}") for i in range(3)]
    a1 = post(client, alice, "mine")
    client.drain()
    assert home(client, alice) == [a1]  # cached now
    follow(client, alice, bob)
    client.drain()  # timeline_follow merges bob's recent posts
    assert home(client, alice) == [a1, *reversed(old)]


def test_unfollow_removes_posts(client: ApiClient) -> None:
    alice, bob = client.make_user("alice"), client.make_user("bob")
    follow(client, alice, bob)
    client.drain()
    b1 = post(client, bob, "hello")
    a1 = post(client, alice, "mine")
    client.drain()
    assert home(client, alice) == [a1, b1]
    unfollow(client, alice, bob)
    client.drain()
    assert home(client, alice) == [a1]
    assert cached_home(client, alice) == [int(a1)]
    # A rebuild agrees.
    client.call(client.services.timelines.clear)
    assert home(client, alice) == [a1]


def test_block_and_mute_hide_posts(client: ApiClient) -> None:
    alice, bob, carol = (client.make_user(n) for n in ("alice", "bob", "carol"))
    follow(client, alice, bob)
    follow(client, alice, carol)
    client.drain()
    b1 = post(client, bob, "bob")
    c1 = post(client, carol, "carol")
    client.drain()
    assert home(client, alice) == [c1, b1]

    client.post(f"/api/v1/accounts/{bob.id}/mute", user=alice)
    # Hidden at once (read-time filter), before any job ran.
    assert home(client, alice) == [c1]
    client.drain()
    assert int(b1) not in (cached_home(client, alice) or [])
    b2 = post(client, bob, "muted meanwhile")
    client.drain()
    assert home(client, alice) == [c1]
    client.post(f"/api/v1/accounts/{bob.id}/unmute", user=alice)
    client.drain()
    assert home(client, alice) == [b2, c1, b1]

    # carol blocks alice: alice stops seeing carol (and the follow is gone).
    client.post(f"/api/v1/accounts/{alice.id}/block", user=carol)
    assert home(client, alice) == [b2, b1]
    client.drain()
    post(client, carol, "after the block")
    client.drain()
    assert home(client, alice) == [b2, b1]
    client.call(client.services.timelines.clear)
    assert home(client, alice) == [b2, b1]


def test_delete_removes_from_timelines(client: ApiClient) -> None:
    alice, bob = client.make_user("alice"), client.make_user("bob")
    follow(client, alice, bob)
    client.drain()
    home(client, alice)
    home(client, bob)
    b1 = post(client, bob, "keep")
    b2 = post(client, bob, "oops")
    client.drain()
    assert home(client, alice) == [b2, b1]
    delete(client, bob, b2)
    client.drain()
    assert cached_home(client, alice) == [int(b1)]
    assert cached_home(client, bob) == [int(b1)]
    assert home(client, alice) == [b1]


def test_concurrent_reads_of_a_cold_timeline_wait_for_one_rebuild(client: ApiClient) -> None:
    import asyncio

    from roost.kernel.paging import Page
    from roost.relationships.store import load_feed_filters
    from roost.timelines.home import read_home_timeline

    alice, bob = client.make_user("alice"), client.make_user("bob")
    follow(client, alice, bob)
    client.drain()
    posts = [post(client, bob, f"post {i}") for i in range(3)]
    client.drain()
    client.call(client.services.timelines.clear)
    services = client.services

    async def two_readers() -> list[list[int]]:
        page = Page(limit=20)
        filters = await load_feed_filters(services, alice.id)
        first = asyncio.create_task(
            read_home_timeline(services, viewer_id=alice.id, page=page, filters=filters)
        )
        # The second reader comes while the first one's rebuild reads the
        # database: the timeline is marked (exists) but still empty.
        for _ in range(100_000):
            if await services.timelines.range(f"home:{alice.id}", page) is not None:
                break
            await asyncio.sleep(0)
        second = await read_home_timeline(services, viewer_id=alice.id, page=page, filters=filters)
        return [await first, second]

    expected = [int(p) for p in reversed(posts)]
    assert client.call(two_readers) == [expected, expected]
