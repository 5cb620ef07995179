"""The user timeline read from the author's own list (``authored:<account>``):
the same pages as the database query for every viewer and filter, no SQL
when warm, and every post, reblog and deletion seen at once, also by
another app server sharing the store."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from roost.app import create_app
from roost.config import Settings
from roost.kernel.cachekeys import authored_key
from roost.kernel.paging import Page
from roost.timelines import authored, listing
from tests.helpers import ApiClient, User
from tests.timelines.support import delete, follow, post, reblog, timeline


def user_timeline(client: ApiClient, author: User, viewer: User | None, **params: Any) -> list[str]:
    return timeline(client, f"/api/v1/accounts/{author.id}/statuses", viewer, **params)


def from_sql(
    client: ApiClient, author: User, viewer: User | None, follows: bool, **filters: Any
) -> list[str]:
    """What the database query alone answers (the reference)."""
    page = Page(
        **{k: int(v) for k, v in filters.items() if k in ("max_id", "min_id", "since_id")},
        limit=int(filters.get("limit", 20)),
    )

    async def query() -> list[int]:
        return await listing.account_status_ids(
            client.services,
            account_id=int(author.id),
            viewer_id=None if viewer is None else int(viewer.id),
            viewer_follows=follows,
            page=page,
            exclude_replies=bool(filters.get("exclude_replies")),
            exclude_reblogs=bool(filters.get("exclude_reblogs")),
        )

    return [str(i) for i in client.call(query)]


def from_list(
    client: ApiClient, author: User, viewer: User | None, follows: bool, **filters: Any
) -> list[str]:
    """The ids ``read_authored`` picks from the author's list."""

    async def read() -> list[int]:
        found = await authored.read_authored(
            client.services,
            account_id=int(author.id),
            viewer_id=None if viewer is None else int(viewer.id),
            viewer_follows=follows,
            page=Page(limit=int(filters.get("limit", 20))),
            exclude_replies=bool(filters.get("exclude_replies")),
            exclude_reblogs=bool(filters.get("exclude_reblogs")),
        )
        return found.ids

    return [str(i) for i in client.call(read)]


def stored(client: ApiClient, author: User) -> list[int] | None:
    async def read() -> list[int] | None:
        return await client.services.timelines.range(authored_key(int(author.id)), Page(limit=800))

    return client.call(read)


@pytest.fixture
def mixed(client: ApiClient) -> tuple[User, User, User, User, dict[str, str]]:
    """bob posts every kind of status; alice follows him, carol does not,
    dave is mentioned in a direct and a private one."""
    alice, bob, carol, dave = (client.make_user(n) for n in ("alice", "bob", "carol", "dave"))
    follow(client, alice, bob)
    other = post(client, carol, "carol's")
    made = {
        "public": post(client, bob, "public"),
        "unlisted": post(client, bob, "unlisted", visibility="unlisted"),
        "private": post(client, bob, "private", visibility="private"),
        "direct": post(client, bob, "hi @dave", visibility="direct"),
        "private_mention": post(client, bob, "psst @dave", visibility="private"),
        "reply_other": post(client, bob, "@carol yes", in_reply_to_id=other),
    }
    made["self_reply"] = post(client, bob, "and more", in_reply_to_id=made["public"])
    made["reblog"] = reblog(client, bob, other)
    return alice, bob, carol, dave, made


@pytest.mark.parametrize(
    "filters",
    [{}, {"exclude_replies": "true"}, {"exclude_reblogs": "true"}, {"limit": "2"}],
    ids=["plain", "exclude_replies", "exclude_reblogs", "limit"],
)
def test_every_viewer_sees_what_the_database_query_gives(
    client: ApiClient, mixed: tuple[User, User, User, User, dict[str, str]], filters: dict[str, str]
) -> None:
    alice, bob, carol, dave, made = mixed
    viewers = [(bob, True), (alice, True), (carol, False), (dave, False), (None, False)]
    for viewer, follows in viewers:
        expected = from_sql(client, bob, viewer, follows, **filters)
        assert user_timeline(client, bob, viewer, **filters) == expected
        # The page itself, before hydration (which would hide its mistakes).
        assert from_list(client, bob, viewer, follows, **filters) == expected
    # The rules themselves, spelled out for two viewers.
    everything = user_timeline(client, bob, bob)
    assert set(everything) == set(made.values())
    seen_by_dave = set(user_timeline(client, bob, dave))
    assert made["direct"] in seen_by_dave and made["private_mention"] in seen_by_dave
    assert made["private"] not in seen_by_dave
    seen_by_carol = set(user_timeline(client, bob, carol))
    assert not {made["private"], made["direct"], made["private_mention"]} & seen_by_carol
    assert made["private"] in user_timeline(client, bob, alice)


def test_paging_matches_the_database_query(
    client: ApiClient, mixed: tuple[User, User, User, User, dict[str, str]]
) -> None:
    alice, bob, carol, _dave, _made = mixed
    ids = sorted((int(i) for i in from_sql(client, bob, bob, True, limit=40)), reverse=True)
    middle = str(ids[len(ids) // 2])
    for viewer, follows in ((carol, False), (alice, True), (bob, True)):
        for bound in ("max_id", "min_id", "since_id"):
            params = {bound: middle, "limit": "2"}
            expected = from_sql(client, bob, viewer, follows, **params)
            assert user_timeline(client, bob, viewer, **params) == expected, (viewer, bound)


def test_a_page_of_mostly_hidden_statuses_is_still_full(client: ApiClient) -> None:
    bob, carol, dave = (client.make_user(n) for n in ("bob", "carol", "dave"))
    public = [post(client, bob, f"public {i}") for i in range(3)]
    # More hidden statuses than the reads of the list take in STEPS pages.
    for i in range(2 * authored.STEPS + 1):
        post(client, bob, f"@dave secret {i}", visibility="direct")
    assert user_timeline(client, bob, carol, limit=2) == public[::-1][:2]
    assert user_timeline(client, bob, carol, limit=3) == public[::-1]
    assert len(user_timeline(client, bob, dave, limit=5)) == 5


def test_warm_user_timeline_read_runs_no_sql(
    client: ApiClient, mixed: tuple[User, User, User, User, dict[str, str]]
) -> None:
    alice, bob, carol, _dave, _made = mixed
    client.drain()
    for viewer in (alice, bob, carol, None):
        first = client.get(f"/api/v1/accounts/{bob.id}/statuses", user=viewer)
        with client.count_queries() as statements:
            again = client.get(f"/api/v1/accounts/{bob.id}/statuses", user=viewer)
        assert statements == []
        assert again.json() == first.json()


def test_posts_reblogs_and_deletions_show_at_once(client: ApiClient) -> None:
    alice, bob = client.make_user("alice"), client.make_user("bob")
    first = post(client, bob, "first")
    assert user_timeline(client, bob, alice) == [first]  # builds the list
    assert stored(client, bob) == [int(first)]
    # No job has run (drain): posting itself added to the list.
    second = post(client, bob, "second")
    boost = reblog(client, bob, post(client, alice, "alice's"))
    assert stored(client, bob) == [int(boost), int(second), int(first)]
    with client.count_queries() as statements:
        assert user_timeline(client, bob, alice) == [boost, second, first]
    # Not the listing query: the list answered.
    assert [s for s in statements if "statuses.visibility IN" in s] == []
    delete(client, bob, second)
    assert stored(client, bob) == [int(boost), int(first)]
    assert user_timeline(client, bob, alice) == [boost, first]
    client.drain()  # the jobs repeat the same changes
    assert stored(client, bob) == [int(boost), int(first)]
    assert user_timeline(client, bob, alice) == [boost, first]


def test_a_lost_list_is_rebuilt_from_the_database(client: ApiClient) -> None:
    alice, bob = client.make_user("alice"), client.make_user("bob")
    first = post(client, bob, "first")
    assert user_timeline(client, bob, alice) == [first]

    async def drop() -> None:
        await client.services.timelines.drop(authored_key(int(bob.id)))

    client.call(drop)
    assert user_timeline(client, bob, alice) == [first]  # rebuilt from the database
    assert stored(client, bob) == [int(first)]


@pytest.fixture
def second_server(settings: Settings) -> Iterator[ApiClient]:
    """Another app server on the same database and Redis (no reset)."""
    if not settings.redis_url:
        pytest.skip("two servers share a list only through Redis")
    with TestClient(create_app(settings), base_url="http://testserver") as test_client:
        yield ApiClient(test_client)


def test_two_servers_share_the_list(client: ApiClient, second_server: ApiClient) -> None:
    alice, bob = client.make_user("alice"), client.make_user("bob")
    first = post(client, bob, "first")
    assert user_timeline(second_server, bob, alice) == [first]
    hidden = post(client, bob, "followers only", visibility="private")
    second = post(client, bob, "second")
    assert user_timeline(second_server, bob, alice) == [second, first]
    assert user_timeline(second_server, bob, bob) == [second, hidden, first]
    follow(client, alice, bob)
    assert user_timeline(second_server, bob, alice) == [second, hidden, first]
    delete(client, bob, second)
    assert user_timeline(second_server, bob, alice) == [hidden, first]
    edited = client.put(f"/api/v1/statuses/{first}", user=bob, json={"status": "first, edited"})
    assert edited.status_code == 200, edited.text
    page = client_json(second_server, bob, alice)
    assert [s["id"] for s in page] == [hidden, first]
    assert "first, edited" in page[1]["content"]


def client_json(client: ApiClient, author: User, viewer: User) -> list[dict[str, Any]]:
    response = client.get(f"/api/v1/accounts/{author.id}/statuses", user=viewer)
    assert response.status_code == 200, response.text
    result: list[dict[str, Any]] = response.json()
    return result


def flags_of(page: list[dict[str, Any]]) -> dict[str, tuple[bool, bool, bool]]:
    return {s["id"]: (s["favourited"], s["reblogged"], s["bookmarked"]) for s in page}


def test_a_first_read_of_a_profile_takes_the_flags_from_the_marks_index(
    client: ApiClient,
) -> None:
    alice, bob = client.make_user("alice"), client.make_user("bob")
    liked, kept, plain = (post(client, bob, t) for t in ("liked", "kept", "plain"))
    client.post(f"/api/v1/statuses/{liked}/favourite", user=alice)
    client.post(f"/api/v1/statuses/{kept}/bookmark", user=alice)
    client.get("/api/v1/timelines/home", user=alice)  # reads alice's marks index
    with client.count_queries() as statements:
        page = client_json(client, bob, alice)
    assert [s for s in statements if "favourites" in s] == []
    assert flags_of(page) == {
        plain: (False, False, False),
        kept: (False, False, True),
        liked: (True, False, False),
    }
    # Every change of a mark drops the index: the next read sees it.
    client.post(f"/api/v1/statuses/{liked}/unfavourite", user=alice)
    client.post(f"/api/v1/statuses/{plain}/reblog", user=alice)
    assert flags_of(client_json(client, bob, alice)) == {
        plain: (False, True, False),
        kept: (False, False, True),
        liked: (False, False, False),
    }


def test_a_viewer_with_too_many_marks_gets_them_per_status(
    client: ApiClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from roost.statuses import visibility

    monkeypatch.setattr(visibility, "MARKS_INDEX_LIMIT", 1)
    alice, bob = client.make_user("alice"), client.make_user("bob")
    one, two, three = (post(client, bob, t) for t in ("one", "two", "three"))
    client.post(f"/api/v1/statuses/{one}/favourite", user=alice)
    client.post(f"/api/v1/statuses/{two}/bookmark", user=alice)
    expected = {three: (False, False, False), two: (False, False, True), one: (True, False, False)}
    assert flags_of(client_json(client, bob, alice)) == expected
    with client.count_queries() as statements:
        assert flags_of(client_json(client, bob, alice)) == expected
    assert statements == []  # warm: the per-status flags are cached
    client.post(f"/api/v1/statuses/{two}/unbookmark", user=alice)
    expected[two] = (False, False, False)
    assert flags_of(client_json(client, bob, alice)) == expected
