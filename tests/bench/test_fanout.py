"""Delay bookkeeping of the fan-out observers (no server needed)."""

from __future__ import annotations

import time

import pytest

from roost.ids import IdGenerator
from roost_bench.fanout import Observers, id_floor
from roost_bench.http import HttpClient
from roost_bench.requests import Requests


def _observers(users: list[int]) -> Observers:
    return Observers(HttpClient("http://127.0.0.1:1"), Requests("127.0.0.1:1", ["t"] * 5), users)


def test_delays_pair_each_post_with_its_observers() -> None:
    watched = _observers([0, 1])
    watched.expect(100, acked=10.0, observers=[0, 1])
    watched.expect(200, acked=11.0, observers=[1])
    watched.seen[0][100] = 10.25  # 250 ms after the acknowledgement
    watched.seen[1][100] = 10.5
    # observer 1 saw 200 before the post's response arrived: delivered at once
    watched.seen[1][200] = 10.9
    delays, missing = watched.delays()
    assert sorted(delays) == pytest.approx([0.0, 0.25, 0.5])
    assert missing == 0
    assert watched.pending() == 0


def test_unseen_posts_are_undelivered() -> None:
    watched = _observers([0, 1])
    watched.expect(300, acked=1.0, observers=[0, 1])
    watched.seen[0][300] = 1.1
    assert watched.pending() == 1
    delays, missing = watched.delays()
    assert delays == pytest.approx([0.1])
    assert missing == 1


def test_id_floor_is_below_ids_made_after_it() -> None:
    floor = id_floor()
    made = IdGenerator(1).next_id()
    assert floor <= made
    # and above ids of statuses from a minute before
    assert id_floor() > id_floor(at=time.time() - 60)


def test_seen_expected_lists_the_posts_each_observer_saw() -> None:
    watched = _observers([0, 1])
    watched.expect(100, acked=1.0, observers=[0, 1])
    watched.expect(200, acked=1.0, observers=[0])
    watched.seen[0].update({200: 1.2, 100: 1.3, 555: 1.0})  # 555: not a measured post
    assert watched.seen_expected() == {0: [100, 200], 1: []}


def test_first_delays_take_each_posts_earliest_observer() -> None:
    watched = _observers([0, 1, 2])
    watched.expect(100, acked=10.0, observers=[0, 1, 2])
    watched.expect(200, acked=20.0, observers=[1, 2])
    watched.expect(300, acked=30.0, observers=[0])  # never seen: left out
    watched.seen[0][100] = 10.9
    watched.seen[1][100] = 10.2
    watched.seen[2][100] = 10.4
    watched.seen[2][200] = 20.5
    assert sorted(watched.first_delays()) == pytest.approx([0.2, 0.5])


def test_a_given_floor_replaces_the_clock_one() -> None:
    watched = Observers(
        HttpClient("http://127.0.0.1:1"), Requests("127.0.0.1:1", ["t"]), [0], floor=1234
    )
    assert watched.floor == 1234
    assert _observers([0]).floor > 1234
