"""render_statuses: constant cost whatever the number of statuses."""

from __future__ import annotations

from typing import Any

from roost.statuses.entities import Status
from roost.statuses.hydrate import render_statuses
from tests.helpers import ApiClient, User, only_selects
from tests.statuses.support import follow, post


def make_mixed(client: ApiClient, authors: list[User], viewer: User, count: int) -> list[int]:
    """``count`` statuses of every kind: replies, mentions, tags, private ones
    and reblogs, with some favourited and bookmarked by the viewer."""
    ids: list[int] = []
    for i in range(count):
        author = authors[i % len(authors)]
        kind = i % 4
        if kind == 0:
            body = post(client, author, f"#t{i} hello @{viewer.username}")
        elif kind == 1:
            body = post(client, author, f"private {i}", visibility="private")
        elif kind == 2:
            body = post(client, author, f"reply {i}", in_reply_to_id=str(ids[i - 2]))
        else:
            original = post(client, authors[(i + 1) % len(authors)], f"original {i}")
            body = client.post(f"/api/v1/statuses/{original['id']}/reblog", user=author).json()
        ids.append(int(body["id"]))
        if i % 3 == 0:
            client.post(f"/api/v1/statuses/{body['id']}/favourite", user=viewer)
        if i % 5 == 0:
            client.post(f"/api/v1/statuses/{body['id']}/bookmark", user=viewer)
    return ids


def render(client: ApiClient, ids: list[int], viewer: User | None) -> list[Status]:
    async def run() -> list[Status]:
        return await render_statuses(
            client.services, ids, viewer_id=None if viewer is None else viewer.id
        )

    return client.call(run)


def cost(client: ApiClient, ids: list[int], viewer: User | None) -> tuple[int, int]:
    """(SELECT statements, cache round trips) of one cold render."""
    cache = client.services.cache
    calls = {"n": 0}
    original_get_many = cache.get_many

    async def counting_get_many(keys: Any) -> dict[str, bytes]:
        calls["n"] += 1
        return await original_get_many(keys)

    client.call(cache.clear)
    cache.get_many = counting_get_many  # type: ignore[method-assign]
    try:
        with client.count_queries() as statements:
            rendered = render(client, ids, viewer)
    finally:
        cache.get_many = original_get_many  # type: ignore[method-assign]
    assert len(rendered) == len(ids)
    return len(only_selects(statements)), calls["n"]


def test_rendering_20_or_40_costs_the_same(client: ApiClient) -> None:
    authors = [client.make_user(f"author{i}") for i in range(5)]
    viewer = client.make_user("viewer")
    for author in authors:
        follow(client, viewer, author)
    ids = make_mixed(client, authors, viewer, 40)
    small = cost(client, ids[:20], viewer)
    large = cost(client, ids, viewer)
    assert small == large
    queries, round_trips = large
    # statuses+mentions+tags+media, twice (reblogged originals), one grouped
    # query for the counts, accounts, the viewer's relations, the viewer's flags
    assert queries <= 12
    # statuses with their counts, twice (originals), accounts with the
    # viewer's relations and flags
    assert round_trips <= 3
    # Warm: everything, the viewer's state included, comes from the cache.
    with client.count_queries() as statements:
        assert len(render(client, ids, viewer)) == 40
    assert statements == []


def test_render_keeps_order_and_drops_missing_and_hidden(client: ApiClient) -> None:
    alice = client.make_user("alice")
    bob = client.make_user("bob")
    first = post(client, alice, "one")
    hidden = post(client, alice, "two", visibility="private")
    third = post(client, alice, "three")
    ids = [int(third["id"]), 999, int(hidden["id"]), int(first["id"])]
    as_bob = render(client, ids, bob)
    assert [s.id for s in as_bob] == [third["id"], first["id"]]
    as_alice = render(client, ids, alice)
    assert [s.id for s in as_alice] == [third["id"], hidden["id"], first["id"]]
    anonymous = render(client, ids, None)
    assert [s.id for s in anonymous] == [third["id"], first["id"]]
    assert anonymous[0].favourited is not True  # flags are left out for anonymous


def test_anonymous_json_has_no_viewer_flags(client: ApiClient) -> None:
    alice = client.make_user("alice")
    status = post(client, alice, "x")
    body = client.get(f"/api/v1/statuses/{status['id']}").json()
    for flag in ("favourited", "reblogged", "bookmarked", "muted", "pinned"):
        assert flag not in body


def test_cache_is_refreshed_after_counter_change(client: ApiClient) -> None:
    alice = client.make_user("alice")
    bob = client.make_user("bob")
    status = post(client, alice, "cached")
    assert client.get(f"/api/v1/statuses/{status['id']}").json()["favourites_count"] == 0
    client.post(f"/api/v1/statuses/{status['id']}/favourite", user=bob)
    assert client.get(f"/api/v1/statuses/{status['id']}").json()["favourites_count"] == 1
    post(client, bob, "reply", in_reply_to_id=status["id"])
    assert client.get(f"/api/v1/statuses/{status['id']}").json()["replies_count"] == 1
