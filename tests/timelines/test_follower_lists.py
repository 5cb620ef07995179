"""The fan-out's cached follower lists (``roost.relationships.followers``):
used while the account's followers version is unchanged, never once a
follow, unfollow, block or show_reblogs change committed, also when a
slow reader writes an old list back after the change."""

from __future__ import annotations

from roost.kernel.cachekeys import followers_key
from roost.relationships.followers import (
    FollowerPages,
    Followers,
    follower_versions,
    load_followers,
)
from tests.helpers import ApiClient, User
from tests.timelines.support import cached_home, follow, home, post, reblog, unfollow


def _cached_list(client: ApiClient, user: User) -> Followers | None:
    async def read() -> Followers | None:
        key = followers_key(int(user.id))
        raw = (await client.services.cache.get_many([key])).get(key)
        return None if raw is None else Followers.unpack(raw)

    return client.call(read)


def _version(client: ApiClient, user: User) -> int:
    async def read() -> int:
        async with client.services.db.read(primary=True) as conn:
            return (await follower_versions(conn, [int(user.id)]))[int(user.id)][1]

    return client.call(read)


def _follower_reads(statements: list[str]) -> int:
    """The statements that read follows with their show_reblogs: the
    fan-out's follower reads."""
    return sum("follows.show_reblogs" in s.lower().replace('"', "") for s in statements)


def _scene(client: ApiClient) -> tuple[User, User, User]:
    """alice followed by bob; carol follows nobody yet; every home cached."""
    alice, bob, carol = (client.make_user(n) for n in ("alice", "bob", "carol"))
    follow(client, bob, alice)
    client.drain()
    for user in (alice, bob, carol):
        home(client, user)
    return alice, bob, carol


def test_the_second_fanout_reads_no_follows(client: ApiClient) -> None:
    alice, bob, _carol = _scene(client)
    with client.count_queries() as statements:
        first = post(client, alice, "one")
        client.drain()
    assert _follower_reads(statements) == 1  # a miss: read and cached
    cached = _cached_list(client, alice)
    assert cached is not None
    assert cached.version == _version(client, alice)
    assert [(r.account_id, r.show_reblogs) for r in cached.rows()] == [(int(bob.id), True)]
    with client.count_queries() as statements:
        second = post(client, alice, "two")
        client.drain()
    assert _follower_reads(statements) == 0  # the list came from the cache
    assert cached_home(client, bob) == [int(second), int(first)]


def test_a_new_follower_gets_the_next_post(client: ApiClient) -> None:
    alice, bob, carol = _scene(client)
    post(client, alice, "before")
    client.drain()
    before = _cached_list(client, alice)
    assert before is not None
    follow(client, carol, alice)
    assert _version(client, alice) != before.version  # in the follow's transaction
    client.drain()
    after = post(client, alice, "after")
    client.drain()
    assert int(after) in (cached_home(client, carol) or [])
    assert int(after) in (cached_home(client, bob) or [])


def test_an_unfollower_or_a_blocked_follower_gets_nothing_more(client: ApiClient) -> None:
    alice, bob, carol = _scene(client)
    follow(client, carol, alice)
    client.drain()
    home(client, carol)
    post(client, alice, "both see it")
    client.drain()
    assert _cached_list(client, alice) is not None
    unfollow(client, bob, alice)
    assert client.post(f"/api/v1/accounts/{carol.id}/block", user=alice).status_code == 200
    client.drain()
    later = post(client, alice, "nobody sees it")
    client.drain()
    assert int(later) not in (cached_home(client, bob) or [])
    assert int(later) not in (cached_home(client, carol) or [])
    cached = _cached_list(client, alice)
    assert cached is not None and len(cached) == 0


def test_hiding_reblogs_applies_to_the_next_reblog(client: ApiClient) -> None:
    alice, bob, carol = _scene(client)
    original = post(client, carol, "worth a boost")
    client.drain()
    first = reblog(client, alice, original)
    client.drain()
    assert int(first) in (cached_home(client, bob) or [])
    follow(client, bob, alice, reblogs="false")  # the same follow, reblogs hidden
    client.drain()
    second = reblog(client, alice, post(client, carol, "another"))
    client.drain()
    assert int(second) not in (cached_home(client, bob) or [])


def test_a_list_written_back_after_a_follow_is_never_used(client: ApiClient) -> None:
    """A fan-out that read the list just before a follow committed writes
    it to the cache after the follow: the old list carries the old version,
    so the next fan-out reads the database and the new follower gets it."""
    alice, _bob, carol = _scene(client)
    post(client, alice, "warm the list")
    client.drain()
    key = followers_key(int(alice.id))

    async def raw() -> bytes:
        return (await client.services.cache.get_many([key]))[key]

    stale = client.call(raw)
    follow(client, carol, alice)
    client.drain()

    async def write_back() -> None:
        await client.services.cache.set_many({key: stale}, ttl=600)

    client.call(write_back)
    late = post(client, alice, "after the follow")
    client.drain()
    assert int(late) in (cached_home(client, carol) or [])


def test_a_list_read_races_a_follow(client: ApiClient) -> None:
    """The follow commits between the fan-out's version read and its list
    read (a miss): the list read then already has the follower, and is
    stamped with the version it was read with, not the older one."""
    alice, bob, carol = _scene(client)
    services = client.services
    old = _version(client, alice)
    follow(client, carol, alice)

    async def read_with_old_version() -> Followers:
        async with services.db.read(primary=True) as conn:
            found = await load_followers(services, conn, {int(alice.id): old})
        return found[int(alice.id)]

    lists = client.call(read_with_old_version)
    assert {r.account_id for r in lists.rows()} == {int(bob.id), int(carol.id)}
    assert lists.version != old
    assert lists.version == _version(client, alice)
    cached = _cached_list(client, alice)
    assert cached is not None and cached.version == lists.version


def test_pages_follow_the_version_between_pages(client: ApiClient) -> None:
    """A long fan-out reads a page at a time: a follower who left between
    two pages is not in the later page (the list is read again)."""
    alice, _bob, carol = _scene(client)
    dave = client.make_user("dave")
    for user in (carol, dave):
        follow(client, user, alice)
    client.drain()
    services = client.services

    async def first_page() -> tuple[FollowerPages, list[int]]:
        pages = FollowerPages(services, int(alice.id))
        async with services.db.read(primary=True) as conn:
            rows = await pages.page(conn, after=0, limit=1)
        return pages, [r.follow_id for r in rows]

    pages, first = client.call(first_page)
    assert len(first) == 1
    unfollow(client, dave, alice)

    async def rest() -> list[int]:
        async with services.db.read(primary=True) as conn:
            rows = await pages.page(conn, after=first[0], limit=10)
        return [r.account_id for r in rows]

    assert client.call(rest) == [int(carol.id)]
