"""The public and hashtag timelines read from their lists in the timeline
store (``ptl:public``, ``ttl:<tag>``): the same pages as the database
queries for every viewer and filter, no SQL when warm, posts, edits,
deletions and moderation seen at once."""

from __future__ import annotations

from typing import Any

import pytest

from roost.kernel.cachekeys import public_timeline_key, tag_timeline_key
from roost.timelines import judged
from tests.admin.test_moderation import make_admin
from tests.helpers import ApiClient, User
from tests.media.support import ready_media
from tests.timelines.public_support import from_sql, from_store, over_http, stored
from tests.timelines.support import block, delete, follow, post, reblog

World = tuple[dict[str, User], dict[str, str]]


def mute(client: ApiClient, user: User, target: User) -> None:
    response = client.post(f"/api/v1/accounts/{target.id}/mute", user=user)
    assert response.status_code == 200, response.text


def moderate(client: ApiClient, admin: User, target: User, action: str) -> None:
    if action in ("silence", "suspend"):
        path = f"/api/v1/admin/accounts/{target.id}/action"
        response = client.post(path, user=admin, data={"type": action})
    else:
        response = client.post(f"/api/v1/admin/accounts/{target.id}/{action}", user=admin)
    assert response.status_code == 200, response.text


@pytest.fixture
def world(client: ApiClient) -> World:
    """Every kind of status, with hashtags and media, by five authors; alice
    mutes carol, dave blocks bob, eve is silenced and frank suspended."""
    names = ("alice", "bob", "carol", "dave", "eve", "frank")
    people = {n: client.make_user(n) for n in names}
    alice, bob, carol, dave, eve, frank = (people[n] for n in names)
    admin = make_admin(client)
    other = post(client, carol, "carol's #Dogs")
    picture = ready_media(client, bob)
    made = {
        "other": other,
        "cats": post(client, bob, "hello #cats"),
        "both": post(client, bob, "#cats and #dogs"),
        "unlisted": post(client, bob, "#cats", visibility="unlisted"),
        "private": post(client, bob, "#cats", visibility="private"),
        "direct": post(client, bob, "@dave #cats", visibility="direct"),
        "reply_other": post(client, bob, "@carol #cats yes", in_reply_to_id=other),
        "reblog": reblog(client, bob, other),
        "carol_cats": post(client, carol, "#CATS too"),
        "alice_plain": post(client, alice, "no tags"),
        "loud": post(client, eve, "#cats loud"),
        "gone": post(client, frank, "#cats gone"),
        "dave_dogs": post(client, dave, "#dogs only"),
    }
    made["self_reply"] = post(client, bob, "#dogs more", in_reply_to_id=made["cats"])
    response = client.post(
        "/api/v1/statuses", user=bob, json={"status": "a #cats picture", "media_ids": [picture]}
    )
    assert response.status_code == 200, response.text
    made["media"] = str(response.json()["id"])
    follow(client, alice, bob)
    mute(client, alice, carol)
    block(client, dave, bob)
    moderate(client, admin, eve, "silence")
    moderate(client, admin, frank, "suspend")
    client.drain()
    return people, made


CASES: list[tuple[str | None, dict[str, Any]]] = [
    (None, {}),
    (None, {"only_media": "true"}),
    (None, {"local": "true"}),
    (None, {"limit": "2"}),
    ("cats", {}),
    ("cats", {"limit": "3"}),
    ("cats", {"only_media": "true"}),
    ("cats", {"all": ["dogs"]}),
    ("cats", {"none": ["dogs"]}),
    ("cats", {"any": ["dogs"]}),
    ("cats", {"none": ["cats"]}),
    ("cats", {"all": ["nowhere"]}),
    ("Dogs", {}),
    ("nowhere", {}),
]


@pytest.mark.parametrize(("tag", "params"), CASES, ids=[f"{t}-{p}" for t, p in CASES])
def test_every_viewer_gets_what_the_database_query_gives(
    client: ApiClient, world: World, tag: str | None, params: dict[str, Any]
) -> None:
    people, _made = world
    for viewer in (people["alice"], people["dave"], people["carol"], None):
        expected = from_sql(client, viewer, tag, **params)
        assert from_store(client, viewer, tag, **params) == expected, viewer
        # Twice: the first read built the lists, the second reads them.
        assert from_store(client, viewer, tag, **params) == expected, viewer
        assert over_http(client, viewer, tag, **params) == expected, viewer


def test_the_rules_spelled_out(client: ApiClient, world: World) -> None:
    people, made = world
    alice, dave = people["alice"], people["dave"]
    public_for_dave = from_store(client, dave)
    assert public_for_dave == [made[k] for k in ("dave_dogs", "alice_plain", "carol_cats", "other")]
    cats_for_alice = from_store(client, alice, "cats")
    assert cats_for_alice == [made[k] for k in ("media", "reply_other", "both", "cats")]
    assert from_store(client, None, "cats", only_media="true") == [made["media"]]
    assert from_store(client, None, "cats", none=["dogs"]) == [
        made[k] for k in ("media", "carol_cats", "reply_other", "cats")
    ]


def test_paging_matches_the_database_query(client: ApiClient, world: World) -> None:
    people, _made = world
    for tag in (None, "cats"):
        everything = sorted((int(i) for i in from_sql(client, None, tag, limit=40)), reverse=True)
        for middle in (str(everything[1]), str(everything[len(everything) // 2])):
            for viewer in (people["alice"], people["dave"], None):
                for bound in ("max_id", "min_id", "since_id"):
                    params = {bound: middle, "limit": "2"}
                    expected = from_sql(client, viewer, tag, **params)
                    assert from_store(client, viewer, tag, **params) == expected, (tag, bound)
                    assert over_http(client, viewer, tag, **params) == expected


def test_warm_public_and_hashtag_reads_run_no_sql(client: ApiClient, world: World) -> None:
    people, _made = world
    for path in ("/api/v1/timelines/public", "/api/v1/timelines/tag/cats"):
        for viewer in (people["alice"], people["dave"], None):
            first = client.get(path, user=viewer)
            with client.count_queries() as statements:
                again = client.get(path, user=viewer)
            assert statements == []
            assert again.json() == first.json()
            assert again.headers.get("link") == first.headers.get("link")


def test_posts_edits_and_deletions_show_at_once(client: ApiClient) -> None:
    alice, bob = client.make_user("alice"), client.make_user("bob")
    first = post(client, bob, "first #cats")
    assert over_http(client, alice) == [first]  # builds the lists
    assert over_http(client, alice, "cats") == [first]
    assert over_http(client, alice, "dogs") == []
    # No job runs (no drain): posting itself adds to the lists.
    second = post(client, bob, "second #dogs")
    reply = post(client, bob, "@alice #cats", in_reply_to_id=post(client, alice, "hi"))
    assert stored(client) is not None and int(second) in (stored(client) or [])
    assert int(reply) not in (stored(client) or [])  # a reply to another account
    assert stored(client, "cats") == [int(reply), int(first)]
    assert stored(client, "dogs") == [int(second)]
    # An edit adding a hashtag puts the status in that hashtag's list.
    edited = client.put(f"/api/v1/statuses/{first}", user=bob, json={"status": "first #dogs"})
    assert edited.status_code == 200, edited.text
    assert stored(client, "dogs") == [int(second), int(first)]
    assert over_http(client, alice, "dogs") == [second, first]
    assert over_http(client, alice, "cats") == [reply]  # the hashtag it lost
    assert over_http(client, alice, "cats") == from_sql(client, alice, "cats")
    delete(client, bob, second)
    assert over_http(client, alice, "dogs") == [first]
    client.drain()  # the jobs push again and take the deleted status out
    assert stored(client, "dogs") == [int(first)]
    assert int(second) not in (stored(client) or [])
    assert over_http(client, alice) == from_sql(client, alice)


def test_moderation_and_blocks_apply_at_once(client: ApiClient) -> None:
    alice, bob, loud = (client.make_user(n) for n in ("alice", "bob", "loud"))
    admin = make_admin(client)
    shout = post(client, loud, "#noise")
    calm = post(client, bob, "#noise calm")
    assert over_http(client, alice, "noise") == [calm, shout]
    moderate(client, admin, loud, "silence")
    assert over_http(client, alice, "noise") == [calm]
    assert over_http(client, alice) == [calm]
    moderate(client, admin, loud, "unsilence")
    assert over_http(client, alice) == [calm, shout]
    moderate(client, admin, loud, "suspend")
    assert over_http(client, None, "noise") == [calm]
    moderate(client, admin, loud, "unsuspend")
    assert over_http(client, None, "noise") == [calm, shout]
    block(client, alice, bob)
    assert over_http(client, alice, "noise") == [shout]
    assert from_store(client, alice, "noise") == from_sql(client, alice, "noise")


def test_a_page_of_mostly_hidden_statuses_is_still_full(client: ApiClient) -> None:
    alice, bob, carol = (client.make_user(n) for n in ("alice", "bob", "carol"))
    shown = [post(client, bob, f"#cats shown {i}") for i in range(3)]
    mute(client, alice, carol)
    # More hidden statuses than the reads of the list take in STEPS pages.
    for i in range(2 * judged.STEPS + 1):
        post(client, carol, f"#cats hidden {i}")
    for tag in (None, "cats"):
        assert from_store(client, alice, tag, limit=2) == shown[::-1][:2]
        assert from_store(client, alice, tag, limit=3) == shown[::-1]
        assert from_store(client, alice, tag, limit=1, max_id=shown[2]) == [shown[1]]


def test_lost_lists_are_rebuilt_from_the_database(client: ApiClient) -> None:
    alice, bob = client.make_user("alice"), client.make_user("bob")
    first = post(client, bob, "first #cats")
    assert over_http(client, alice, "cats") == [first]

    async def drop() -> None:
        await client.services.timelines.drop(public_timeline_key())
        await client.services.timelines.drop(tag_timeline_key("cats"))

    client.call(drop)
    second = post(client, bob, "second #cats")  # not pushed: no list to push to
    assert stored(client, "cats") is None
    assert over_http(client, alice, "cats") == [second, first]  # rebuilt
    assert over_http(client, alice) == [second, first]
    assert stored(client, "cats") == [int(second), int(first)]


def test_the_jobs_push_what_the_posting_path_could_not(
    client: ApiClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Redis away right after the commit: the status's jobs push it later."""
    from roost.statuses import edits, service

    async def unreachable(*_args: object) -> None:
        return None

    def no_lists(*_args: object) -> list[str]:
        return []

    alice, bob = client.make_user("alice"), client.make_user("bob")
    first = post(client, bob, "first #cats")
    assert over_http(client, alice, "cats") == [first]
    assert over_http(client, alice, "dogs") == []
    assert over_http(client, alice) == [first]
    monkeypatch.setattr(service, "record_list_keys", no_lists)
    monkeypatch.setattr(edits, "remember_public", unreachable)
    second = post(client, bob, "second #cats")
    edited = client.put(f"/api/v1/statuses/{first}", user=bob, json={"status": "now #dogs"})
    assert edited.status_code == 200, edited.text
    assert stored(client, "cats") == [int(first)]
    assert stored(client, "dogs") == []
    client.drain()
    assert stored(client, "cats") == [int(second), int(first)]
    assert stored(client, "dogs") == [int(first)]
    assert stored(client) == [int(second), int(first)]
    assert over_http(client, alice, "cats") == [second]
    assert over_http(client, alice, "dogs") == [first]
