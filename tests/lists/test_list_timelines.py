"""List timelines: filled by fan-out like home, rebuilt from the database
the same way, the replies policy and exclusive lists honoured, and a warm
read that runs no SQL."""

from __future__ import annotations

import pytest

from tests.helpers import ApiClient
from tests.lists.support import add, cached_list, list_timeline, make_list
from tests.timelines.support import block, delete, follow, home, post, reblog, unfollow


def test_fanout_fills_the_list_of_members_only(client: ApiClient) -> None:
    alice, bob, carol, dave = (client.make_user(n) for n in ("alice", "bob", "carol", "dave"))
    follow(client, alice, bob)
    follow(client, alice, carol)
    list_id = make_list(client, alice)
    add(client, alice, list_id, bob)
    assert list_timeline(client, alice, list_id) == []  # cached from now on
    b1 = post(client, bob, "bob's post")
    post(client, carol, "carol is not in the list")
    post(client, alice, "the owner is not in the list")
    boosted = post(client, dave, "dave's post")
    b2 = reblog(client, bob, boosted)
    private = post(client, bob, "followers only", visibility="private")
    post(client, bob, f"@{alice.username} just us", visibility="direct")
    client.drain()
    assert cached_list(client, list_id) == [int(private), int(b2), int(b1)]
    assert list_timeline(client, alice, list_id) == [private, b2, b1]
    # A rebuild from the database finds the same.
    client.call(client.services.timelines.clear)
    assert list_timeline(client, alice, list_id) == [private, b2, b1]
    assert list_timeline(client, alice, list_id, limit=1, max_id=b2) == [b1]
    assert list_timeline(client, alice, list_id, min_id=b1, limit=1) == [b2]
    # Deleting a post takes it out of the list.
    delete(client, bob, b1)
    client.drain()
    assert int(b1) not in (cached_list(client, list_id) or [])
    assert list_timeline(client, alice, list_id) == [private, b2]
    # Adding a member shows its earlier posts too (the timeline is rebuilt).
    c_later = post(client, carol, "carol again")
    client.drain()
    add(client, alice, list_id, carol)
    assert c_later in list_timeline(client, alice, list_id)


@pytest.mark.parametrize("policy", ["followed", "list", "none"])
def test_replies_policy(client: ApiClient, policy: str) -> None:
    alice, bob, carol, dave = (client.make_user(n) for n in ("alice", "bob", "carol", "dave"))
    for target in (bob, carol, dave):
        follow(client, alice, target)
    list_id = make_list(client, alice, replies_policy=policy)
    add(client, alice, list_id, bob, carol)
    list_timeline(client, alice, list_id)
    to_carol = post(client, carol, "carol's thread")
    own = post(client, alice, "alice asks")
    client.drain()
    reply_in_list = post(client, bob, "to carol", in_reply_to_id=to_carol)
    reply_to_owner = post(client, bob, "to alice", in_reply_to_id=own)
    dave_post = post(client, dave, "dave's")
    client.drain()
    reply_outside = post(client, bob, "to dave", in_reply_to_id=dave_post)
    self_reply = post(client, bob, "thread", in_reply_to_id=reply_in_list)
    client.drain()
    expected = {
        "followed": [self_reply, reply_outside, reply_to_owner, reply_in_list, to_carol],
        "list": [self_reply, reply_to_owner, reply_in_list, to_carol],
        "none": [self_reply, reply_to_owner, to_carol],
    }[policy]
    # A self-reply to a reply to carol is a reply to bob himself: shown.
    assert list_timeline(client, alice, list_id) == expected
    client.call(client.services.timelines.clear)
    assert list_timeline(client, alice, list_id) == expected


def test_exclusive_list_members_stay_out_of_home(client: ApiClient) -> None:
    alice, bob, carol = (client.make_user(n) for n in ("alice", "bob", "carol"))
    follow(client, alice, bob)
    follow(client, alice, carol)
    client.drain()
    before = post(client, bob, "before the list")
    client.drain()
    assert before in home(client, alice)
    list_id = make_list(client, alice, exclusive="true")
    add(client, alice, list_id, bob)
    b1 = post(client, bob, "only in the list")
    c1 = post(client, carol, "in home")
    client.drain()
    assert home(client, alice) == [c1]  # home was rebuilt without bob
    assert list_timeline(client, alice, list_id) == [b1, before]
    client.call(client.services.timelines.clear)
    assert home(client, alice) == [c1]
    # No longer exclusive: bob is back in home.
    response = client.put(f"/api/v1/lists/{list_id}", user=alice, data={"exclusive": "false"})
    assert response.status_code == 200
    assert home(client, alice) == [c1, b1, before]
    b2 = post(client, bob, "everywhere again")
    client.drain()
    assert home(client, alice)[0] == b2
    assert list_timeline(client, alice, list_id)[0] == b2


def test_blocked_muted_and_unfollowed_members(client: ApiClient) -> None:
    alice, bob, carol = (client.make_user(n) for n in ("alice", "bob", "carol"))
    follow(client, alice, bob)
    follow(client, alice, carol)
    list_id = make_list(client, alice)
    add(client, alice, list_id, bob, carol)
    list_timeline(client, alice, list_id)
    b1 = post(client, bob, "bob")
    c1 = post(client, carol, "carol")
    client.drain()
    assert list_timeline(client, alice, list_id) == [c1, b1]
    assert client.post(f"/api/v1/accounts/{carol.id}/mute", user=alice).status_code == 200
    client.drain()
    assert list_timeline(client, alice, list_id) == [b1]
    post(client, carol, "muted")
    client.drain()
    assert list_timeline(client, alice, list_id) == [b1]
    unfollow(client, alice, bob)
    client.drain()
    assert list_timeline(client, alice, list_id) == []
    post(client, bob, "not followed any more")
    client.drain()
    assert list_timeline(client, alice, list_id) == []
    block(client, carol, alice)
    client.drain()
    assert client.get(f"/api/v1/lists/{list_id}/accounts", user=alice).json() == []


def test_warm_list_and_home_reads_run_no_sql(client: ApiClient) -> None:
    alice, bob, carol = (client.make_user(n) for n in ("alice", "bob", "carol"))
    follow(client, alice, bob)
    follow(client, alice, carol)
    list_id = make_list(client, alice, exclusive="true")
    add(client, alice, list_id, bob)
    b1 = post(client, bob, "in the list")
    c1 = post(client, carol, "in home")
    client.drain()
    assert list_timeline(client, alice, list_id) == [b1]  # fills the caches
    assert home(client, alice) == [c1]
    with client.count_queries() as statements:
        assert list_timeline(client, alice, list_id) == [b1]
        assert home(client, alice) == [c1]
    assert statements == []
