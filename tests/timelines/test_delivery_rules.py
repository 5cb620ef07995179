"""Who gets what: visibility, replies and reblogs in home timelines."""

from __future__ import annotations

from tests.helpers import ApiClient
from tests.timelines.support import cached_home, follow, home, post, reblog


def test_private_and_direct_never_leak(client: ApiClient) -> None:
    alice, bob, carol, dave = (client.make_user(n) for n in ("alice", "bob", "carol", "dave"))
    follow(client, bob, alice)  # bob follows alice; carol and dave do not
    client.drain()
    for user in (alice, bob, carol, dave):
        home(client, user)  # every timeline cached, so fan-out writes to all
    private = post(client, alice, "followers only", visibility="private")
    direct = post(client, alice, "hi @carol", visibility="direct")
    mention_private = post(client, alice, "hey @dave", visibility="private")
    client.drain()

    assert home(client, alice) == [mention_private, direct, private]
    assert home(client, bob) == [mention_private, private]
    assert home(client, carol) == [direct]
    # Mentioned but not a follower: a private status stays out of the home
    # timeline (it is reachable through the mention notification).
    assert home(client, dave) == []
    for user in (alice, bob, carol, dave):
        before = home(client, user)
        client.call(client.services.timelines.clear)
        assert home(client, user) == before, user.username

    # Public timeline and a stranger's view of the account hold none of them.
    assert client.get("/api/v1/timelines/public").json() == []
    assert client.get(f"/api/v1/accounts/{alice.id}/statuses").json() == []


def test_direct_skips_a_mentioned_account_that_blocks_the_author(client: ApiClient) -> None:
    alice, carol = client.make_user("alice"), client.make_user("carol")
    home(client, carol)
    client.post(f"/api/v1/accounts/{alice.id}/mute", user=carol)
    client.drain()
    post(client, alice, "psst @carol", visibility="direct")
    client.drain()
    assert cached_home(client, carol) == []


def test_replies_reach_followers_of_both_sides(client: ApiClient) -> None:
    alice, bob, carol, dave = (client.make_user(n) for n in ("alice", "bob", "carol", "dave"))
    # carol follows alice and bob; dave follows only alice.
    for follower, target in ((carol, alice), (carol, bob), (dave, alice)):
        follow(client, follower, target)
    client.drain()
    for user in (alice, bob, carol, dave):
        home(client, user)
    b1 = post(client, bob, "question")
    reply = post(client, alice, "@bob answer", in_reply_to_id=b1)
    thread = post(client, alice, "and more", in_reply_to_id=reply)
    client.drain()
    assert home(client, carol) == [thread, reply, b1]
    # dave does not follow bob: he gets alice's self-reply but not her reply to bob.
    assert home(client, dave) == [thread]
    # bob does not follow alice: the reply reaches him as a mention, not in home.
    assert home(client, bob) == [b1]
    client.call(client.services.timelines.clear)
    assert home(client, carol) == [thread, reply, b1]
    assert home(client, dave) == [thread]


def test_reply_to_follower_reaches_them(client: ApiClient) -> None:
    alice, bob = client.make_user("alice"), client.make_user("bob")
    follow(client, bob, alice)
    client.drain()
    home(client, bob)
    b1 = post(client, bob, "hello alice")
    reply = post(client, alice, "@bob hi", in_reply_to_id=b1)
    client.drain()
    assert home(client, bob) == [reply, b1]


def test_reblogs(client: ApiClient) -> None:
    alice, bob, carol, dave = (client.make_user(n) for n in ("alice", "bob", "carol", "dave"))
    follow(client, bob, alice)  # bob sees alice's reblogs
    follow(client, carol, alice, reblogs="false")  # carol does not
    follow(client, dave, alice)
    follow(client, dave, carol)  # dave follows carol, the original author
    client.drain()
    for user in (alice, bob, carol, dave):
        home(client, user)
    original = post(client, carol, "worth sharing")
    client.drain()
    boost = reblog(client, alice, original)
    client.drain()
    assert home(client, bob) == [boost]
    # carol wrote the original and hides alice's reblogs anyway.
    assert home(client, carol) == [original]
    # dave got the original from carol already: no duplicate through the reblog.
    assert home(client, dave) == [original]
    assert home(client, alice) == [boost]
    for user in (alice, bob, carol, dave):
        before = home(client, user)
        client.call(client.services.timelines.clear)
        assert home(client, user) == before, user.username

    # Turning reblogs back on shows later reblogs.
    follow(client, carol, alice, reblogs="true")
    other = post(client, dave, "dave's post")
    boost2 = reblog(client, alice, other)
    client.drain()
    assert home(client, carol)[0] == boost2


def test_reblog_is_hidden_when_original_author_is_blocked(client: ApiClient) -> None:
    alice, bob, carol = (client.make_user(n) for n in ("alice", "bob", "carol"))
    follow(client, bob, alice)
    client.drain()
    home(client, bob)
    client.post(f"/api/v1/accounts/{carol.id}/block", user=bob)
    original = post(client, carol, "by carol")
    reblog(client, alice, original)
    a1 = post(client, alice, "by alice")
    client.drain()
    assert home(client, bob) == [a1]
    assert cached_home(client, bob) == [int(a1)]
