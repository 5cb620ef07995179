"""Locked accounts stay private: a follow request grants nothing until it is
authorized (followers-only statuses, home timeline, counters), and unlocking
accepts the pending requests in a background job."""

from __future__ import annotations

import pytest

from roost.config import Settings
from tests.helpers import ApiClient
from tests.relationships.requests_support import (
    answer,
    counters,
    follow,
    locked_user,
    relationship,
    requesters,
    requests_count,
    set_locked,
    status_visible,
)
from tests.timelines.support import home, post, timeline


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # Small batches, so accepting three requests on unlock takes two.
    return settings.replace(fanout_batch_size=2)


def test_locked_account_stays_private_until_the_request_is_authorized(
    client: ApiClient,
) -> None:
    alice = locked_user(client, "alice")
    bob = client.make_user("bob")
    before = post(client, alice, "friends only, before", visibility="private")
    client.drain()
    home(client, bob)  # bob's home timeline is cached from here on

    rel = follow(client, bob, alice)
    assert (rel["following"], rel["requested"]) == (False, True)
    client.drain()
    early = post(client, alice, "friends only, while pending", visibility="private")
    client.drain()
    assert not status_visible(client, bob, before)
    assert not status_visible(client, bob, early)
    assert timeline(client, f"/api/v1/accounts/{alice.id}/statuses", bob) == []
    assert home(client, bob) == []
    assert counters(client, alice) == (0, 0)
    assert counters(client, bob) == (0, 0)

    rel = answer(client, alice, bob, "authorize")
    assert (rel["followed_by"], rel["requested_by"]) == (True, False)
    assert status_visible(client, bob, before)
    assert status_visible(client, bob, early)
    assert counters(client, alice) == (1, 0)
    assert counters(client, bob) == (0, 1)
    client.drain()  # the follow's timeline job merges alice's recent statuses
    assert home(client, bob) == [early, before]
    after = post(client, alice, "friends only, after", visibility="private")
    client.drain()
    assert home(client, bob) == [after, early, before]
    assert relationship(client, bob, alice)["following"] is True


def test_unlocking_accepts_every_pending_request(client: ApiClient) -> None:
    alice = locked_user(client, "alice")
    fans = [client.make_user(name) for name in ("bob", "carol", "dave")]
    secret = post(client, alice, "friends only", visibility="private")
    for fan in fans:
        assert follow(client, fan, alice)["requested"] is True
    assert requests_count(client, alice) == 3

    set_locked(client, alice, False)
    # Accepted by a job, not in the request: nothing has changed yet.
    assert relationship(client, fans[0], alice)["requested"] is True
    assert client.drain() >= 1
    for fan in fans:
        rel = relationship(client, fan, alice)
        assert (rel["following"], rel["requested"]) == (True, False)
        assert status_visible(client, fan, secret)
    assert counters(client, alice) == (3, 0)
    assert requesters(client, alice) == []
    assert requests_count(client, alice) == 0
    # Idempotent: nothing is left for a second run to do.
    assert client.drain() == 0
    assert counters(client, alice) == (3, 0)


def test_relocking_before_the_job_runs_keeps_requests_pending(client: ApiClient) -> None:
    alice = locked_user(client, "alice")
    bob = client.make_user("bob")
    follow(client, bob, alice)
    set_locked(client, alice, False)
    set_locked(client, alice, True)
    client.drain()
    rel = relationship(client, bob, alice)
    assert (rel["following"], rel["requested"]) == (False, True)
    assert requesters(client, alice) == [bob.sid]


def test_asking_again_after_unlock_follows_at_once(client: ApiClient) -> None:
    alice = locked_user(client, "alice")
    bob = client.make_user("bob")
    follow(client, bob, alice, reblogs="false")
    set_locked(client, alice, False)
    # Before the unlock job has run: the request becomes the follow at once,
    # with its options.
    rel = follow(client, bob, alice)
    assert (rel["following"], rel["requested"], rel["showing_reblogs"]) == (True, False, False)
    assert counters(client, alice) == (1, 0)
    client.drain()  # the unlock job finds nothing left to accept
    assert counters(client, alice) == (1, 0)
    assert counters(client, bob) == (0, 1)


def test_locking_keeps_existing_followers(client: ApiClient) -> None:
    alice, bob, carol = (client.make_user(n) for n in ("alice", "bob", "carol"))
    assert follow(client, bob, alice)["following"] is True
    set_locked(client, alice, True)
    secret = post(client, alice, "friends only", visibility="private")
    client.drain()
    assert status_visible(client, bob, secret)
    assert secret in home(client, bob)
    assert relationship(client, bob, alice)["following"] is True
    # Following again only updates the existing follow's options.
    rel = follow(client, bob, alice, reblogs="false")
    assert (rel["following"], rel["requested"], rel["showing_reblogs"]) == (True, False, False)
    # A newcomer only gets to ask.
    assert follow(client, carol, alice)["requested"] is True
    assert not status_visible(client, carol, secret)
    assert counters(client, alice) == (1, 0)


def test_unlocked_account_follow_stays_immediate(client: ApiClient) -> None:
    alice, bob = client.make_user("alice"), client.make_user("bob")
    set_locked(client, alice, True)
    set_locked(client, alice, False)  # no requests: no job
    assert client.drain() == 0
    secret = post(client, alice, "friends only", visibility="private")
    rel = follow(client, bob, alice)
    assert (rel["following"], rel["requested"]) == (True, False)
    assert status_visible(client, bob, secret)
    assert counters(client, alice) == (1, 0)
    assert requesters(client, alice) == []
