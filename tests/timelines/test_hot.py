"""Hot accounts (many followers): merged into home timelines at read time."""

from __future__ import annotations

import pytest

from roost.config import Settings
from tests.helpers import ApiClient, only_selects
from tests.timelines.support import (
    cached_home,
    delete,
    follow,
    home,
    post,
    reblog,
    unfollow,
)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.replace(hot_user_threshold=2)


def test_hot_posts_are_merged_on_read_not_pushed(client: ApiClient) -> None:
    star, fan1, fan2, carol = (client.make_user(n) for n in ("star", "fan1", "fan2", "carol"))
    follow(client, fan1, star)
    follow(client, fan2, star)  # star now has 2 followers: hot
    client.drain()
    for user in (star, fan1, fan2, carol):
        home(client, user)
    f1 = post(client, fan1, "fan1 before")
    s1 = post(client, star, "hello world")
    f2 = post(client, fan1, "fan1 after")
    client.drain()
    assert cached_home(client, fan1) == [int(f2), int(f1)]  # star's post was not pushed
    assert cached_home(client, star) == [int(s1)]  # but the author's own timeline has it
    assert home(client, fan1) == [f2, s1, f1]
    assert home(client, fan2) == [s1]
    assert home(client, carol) == []
    # Paging cuts through merged and stored ids alike.
    assert home(client, fan1, limit=2) == [f2, s1]
    assert home(client, fan1, max_id=s1) == [f1]
    assert home(client, fan1, min_id=f1, limit=1) == [s1]
    assert home(client, fan1, since_id=s1) == [f2]
    # A rebuild from the database gives the same page.
    client.call(client.services.timelines.clear)
    assert home(client, fan1) == [f2, s1, f1]


def test_hot_posts_follow_the_delivery_rules(client: ApiClient) -> None:
    star, fan1, fan2, carol, dave = (
        client.make_user(n) for n in ("star", "fan1", "fan2", "carol", "dave")
    )
    follow(client, fan1, star)
    follow(client, fan2, star, reblogs="false")
    follow(client, fan1, carol)
    client.drain()
    c1 = post(client, carol, "carol asks")
    d1 = post(client, dave, "dave says")
    reply = post(client, star, "@carol answer", in_reply_to_id=c1)
    boost = reblog(client, star, d1)
    private = post(client, star, "fans only", visibility="private")
    client.drain()
    # fan1 follows carol: gets the reply; fan2 does not.
    assert home(client, fan1) == [private, boost, reply, c1]
    # fan2 hides star's reblogs.
    assert home(client, fan2) == [private]
    assert home(client, dave) == [d1]  # his post reblogged, not his timeline
    for user in (fan1, fan2):
        before = home(client, user)
        client.call(client.services.timelines.clear)
        assert home(client, user) == before


def test_mute_unfollow_and_delete_of_a_hot_account(client: ApiClient) -> None:
    star, fan1, fan2 = (client.make_user(n) for n in ("star", "fan1", "fan2"))
    follow(client, fan1, star)
    follow(client, fan2, star)
    client.drain()
    s1 = post(client, star, "one")
    s2 = post(client, star, "two")
    client.drain()
    assert home(client, fan1) == [s2, s1]
    client.post(f"/api/v1/accounts/{star.id}/mute", user=fan1)
    assert home(client, fan1) == []
    client.post(f"/api/v1/accounts/{star.id}/unmute", user=fan1)
    client.drain()
    assert home(client, fan1) == [s2, s1]
    delete(client, star, s2)
    client.drain()
    assert home(client, fan1) == [s1]
    assert home(client, fan2) == [s1]
    unfollow(client, fan2, star)  # star is no longer hot either
    client.drain()
    assert home(client, fan2) == []
    s3 = post(client, star, "three")  # fanned out again (1 follower)
    client.drain()
    assert cached_home(client, fan1) is not None
    assert int(s3) in (cached_home(client, fan1) or [])
    assert home(client, fan1) == [s3, s1]


def test_warm_read_with_hot_follows_has_constant_query_count(client: ApiClient) -> None:
    star, fan1, fan2, carol = (client.make_user(n) for n in ("star", "fan1", "fan2", "carol"))
    follow(client, fan1, star)
    follow(client, fan2, star)
    follow(client, fan1, carol)
    client.drain()
    c1 = post(client, carol, "question")
    for i in range(12):
        post(client, star, f"star {i}")
        post(client, fan1, f"fan1 {i}")
    post(client, star, "@carol reply", in_reply_to_id=c1)
    client.drain()

    def queries(limit: int) -> int:
        home(client, fan1, limit=limit)
        with client.count_queries() as statements:
            assert len(home(client, fan1, limit=limit)) == limit
        return len(only_selects(statements))

    assert queries(3) == queries(25) <= 2
