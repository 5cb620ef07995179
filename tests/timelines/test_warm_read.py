"""A warm home timeline read is cache reads only, and the cached viewer state
(flags, follows) follows every change at once."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from tests.helpers import ApiClient, User
from tests.timelines.support import follow, post, reblog, unfollow


def page(client: ApiClient, user: User, **params: Any) -> dict[str, dict[str, Any]]:
    response = client.get("/api/v1/timelines/home", user=user, params=params)
    assert response.status_code == 200, response.text
    return {s["id"]: s for s in response.json()}


def flags(status: dict[str, Any]) -> tuple[bool, bool, bool]:
    return status["favourited"], status["reblogged"], status["bookmarked"]


def test_warm_home_read_runs_no_sql(client: ApiClient) -> None:
    alice, bob, carol, dave = (client.make_user(n) for n in ("alice", "bob", "carol", "dave"))
    follow(client, alice, bob)
    follow(client, alice, carol)
    client.drain()
    public = post(client, bob, "public #tag @carol")
    private = post(client, carol, "followers only", visibility="private")
    boosted = post(client, dave, "worth a boost")
    boost = reblog(client, carol, boosted)
    own = post(client, alice, "alice's own")
    client.post(f"/api/v1/statuses/{public}/favourite", user=alice)
    client.post(f"/api/v1/statuses/{private}/bookmark", user=alice)
    client.post(f"/api/v1/statuses/{boosted}/favourite", user=alice)
    client.drain()
    first = page(client, alice)  # fills every cache
    assert set(first) == {public, private, boost, own}
    assert first[boost]["reblog"]["favourited"] is True
    assert first[boost]["favourited"] is True  # the wrapper shows the original's marks
    with client.count_queries() as statements:
        again = page(client, alice)
    assert statements == []
    assert again == first
    assert flags(again[public]) == (True, False, False)
    assert flags(again[private]) == (False, False, True)


def test_warm_home_read_with_pins_polls_and_edits_runs_no_sql(client: ApiClient) -> None:
    alice, bob = client.make_user("alice"), client.make_user("bob")
    follow(client, alice, bob)
    client.drain()
    poll = client.post(
        "/api/v1/statuses",
        user=bob,
        json={"status": "vote", "poll": {"options": ["a", "b"], "expires_in": 600}},
    ).json()["id"]
    client.post(f"/api/v1/polls/{poll}/votes", user=alice, json={"choices": [1]})
    edited = post(client, bob, "draft")
    client.put(f"/api/v1/statuses/{edited}", user=bob, json={"status": "final"})
    pinned = post(client, alice, "pinned one")
    client.post(f"/api/v1/statuses/{pinned}/pin", user=alice)
    client.drain()
    first = page(client, alice)
    assert first[poll]["poll"]["own_votes"] == [1]
    assert first[poll]["poll"]["options"][1]["votes_count"] == 1
    assert first[edited]["edited_at"] is not None and "final" in first[edited]["content"]
    assert first[pinned]["pinned"] is True
    with client.count_queries() as statements:
        again = page(client, alice)
    assert statements == []
    assert again == first


def test_flags_follow_each_mark_at_once(client: ApiClient) -> None:
    alice, bob = client.make_user("alice"), client.make_user("bob")
    follow(client, alice, bob)
    client.drain()
    sid = post(client, bob, "mark me")
    client.drain()

    def current() -> tuple[bool, bool, bool]:
        return flags(page(client, alice)[sid])

    assert current() == (False, False, False)  # cached, absent marks included
    steps = [
        ("favourite", (True, False, False)),
        ("bookmark", (True, False, True)),
        ("reblog", (True, True, True)),
        ("unfavourite", (False, True, True)),
        ("unreblog", (False, False, True)),
        ("unbookmark", (False, False, False)),
    ]
    for action, expected in steps:
        response = client.post(f"/api/v1/statuses/{sid}/{action}", user=alice)
        assert response.status_code == 200, response.text
        assert current() == expected, action
        assert current() == expected, action  # and the refilled cache agrees


def test_deleting_a_reblog_clears_the_reblogged_flag(client: ApiClient) -> None:
    alice, bob = client.make_user("alice"), client.make_user("bob")
    follow(client, alice, bob)
    client.drain()
    sid = post(client, bob, "boost me")
    client.drain()
    boost = reblog(client, alice, sid)
    assert page(client, alice)[sid]["reblogged"] is True
    response = client.delete(f"/api/v1/statuses/{boost}", user=alice)
    assert response.status_code == 200, response.text
    assert page(client, alice)[sid]["reblogged"] is False


def test_unfollow_hides_private_statuses_before_the_timeline_is_cleaned(
    client: ApiClient,
) -> None:
    """The private status is still in the cached timeline until the
    timeline_unfollow job runs; the read must not show it meanwhile."""
    alice, bob = client.make_user("alice"), client.make_user("bob")
    follow(client, alice, bob)
    client.drain()
    secret = post(client, bob, "followers only", visibility="private")
    client.drain()
    assert secret in page(client, alice)
    assert secret in page(client, alice)  # the follow is cached now
    unfollow(client, alice, bob)  # the clean-up job is not run
    assert secret not in page(client, alice)
    follow(client, alice, bob)
    client.drain()
    assert secret in page(client, alice)


def test_block_hides_statuses_at_once(client: ApiClient) -> None:
    alice, bob = client.make_user("alice"), client.make_user("bob")
    follow(client, alice, bob)
    client.drain()
    sid = post(client, bob, "hello")
    client.drain()
    assert sid in page(client, alice)
    response = client.post(f"/api/v1/accounts/{alice.id}/block", user=bob)
    assert response.status_code == 200, response.text
    assert sid not in page(client, alice)


def test_warm_home_read_cache_round_trips(client: ApiClient) -> None:
    """The timeline range, then the viewer's feed filters with the page's
    statuses, the originals of its reblogs, then accounts + counts + the
    viewer's state: three cache reads and one range read, whatever the page
    size; on one Redis server the range and the first cache read are one
    call (``services.heads``). The token was resolved by the warming read
    (the process's memo)."""
    alice, bob, carol = (client.make_user(n) for n in ("alice", "bob", "carol"))
    follow(client, alice, bob)
    client.drain()
    for i in range(12):
        post(client, bob, f"post {i}", visibility="private" if i % 3 == 0 else "public")
        reblog(client, bob, post(client, carol, f"carol {i}"))
    client.drain()
    services = client.services
    cache, store = services.cache, services.timelines
    heads = services.heads
    calls = {"get_many": 0, "range": 0, "heads": 0}
    get_many, read_range = cache.get_many, store.range
    read_head = heads.read if heads is not None else None

    async def counting_get_many(keys: Any) -> dict[str, bytes]:
        calls["get_many"] += 1
        return await get_many(keys)

    async def counting_range(*args: Any, **kwargs: Any) -> list[int] | None:
        calls["range"] += 1
        return await read_range(*args, **kwargs)

    async def counting_head(*args: Any) -> Any:
        calls["heads"] += 1
        assert read_head is not None
        return await read_head(*args)

    def round_trips(limit: int) -> dict[str, int]:
        page(client, alice, limit=limit)  # warm
        calls.update(get_many=0, range=0, heads=0)
        cache.get_many = counting_get_many  # type: ignore[method-assign]
        store.range = counting_range  # type: ignore[method-assign]
        if heads is not None:
            heads.read = counting_head  # type: ignore[method-assign,assignment]
        try:
            with client.count_queries() as statements:
                assert len(page(client, alice, limit=limit)) == limit
        finally:
            cache.get_many = get_many  # type: ignore[method-assign]
            store.range = read_range  # type: ignore[method-assign]
            if heads is not None:
                heads.read = read_head  # type: ignore[method-assign,assignment]
        assert statements == []
        return dict(calls)

    expected = (
        {"get_many": 3, "range": 1, "heads": 0}
        if heads is None
        else {"get_many": 2, "range": 0, "heads": 1}
    )
    assert round_trips(4) == round_trips(20) == expected


def test_stale_follow_written_back_is_dropped_by_the_unfollow_job(
    client: ApiClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A reader racing the unfollow can write the old "following" back into
    the cache after the unfollow dropped it; the job drops it again. (The
    per-pair entries: a viewer whose relation summary overflowed.)"""
    from roost.kernel.cachekeys import pair_key
    from roost.relationships import summary
    from roost.relationships.store import PairState

    monkeypatch.setattr(summary, "SUMMARY_LIMIT", 0)

    alice, bob, carol = (client.make_user(n) for n in ("alice", "bob", "carol"))
    follow(client, alice, carol)  # alice's follows stay overflowed
    follow(client, alice, bob)
    client.drain()
    secret = post(client, bob, "followers only", visibility="private")
    client.drain()
    assert secret in page(client, alice)
    unfollow(client, alice, bob)
    stale = msgspec.msgpack.encode(PairState(following=True, showing_reblogs=True))

    async def write_back() -> None:
        await client.services.cache.set_many({pair_key(alice.id, bob.id): stale}, ttl=3600)

    client.call(write_back)

    def shown() -> bool:
        response = client.get(f"/api/v1/statuses/{secret}", user=alice)
        assert response.status_code in (200, 404), response.text
        return response.status_code == 200

    assert shown()  # what the race would show...
    client.drain()
    assert not shown()  # ...until the unfollow job ran
    assert secret not in page(client, alice)
