"""The hashtag followers' part of a batch of fan-outs: done by the batch
(one query for all its statuses) unless their tags have more followers
than one batch reads, then left to the one-job path for that part only;
the same deliveries either way."""

from __future__ import annotations

import pytest

from roost.config import Settings
from roost.jobs.runner import Job
from tests.helpers import ApiClient, User
from tests.timelines.support import cached_home, follow, home, post


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.replace(fanout_batch_size=3)


def _spy(client: ApiClient) -> list[tuple[int, int]]:
    """(jobs given, jobs left) of each call of the fan-out batch handler."""
    calls: list[tuple[int, int]] = []
    runner = client.services.jobs
    inner = runner.batch_handlers["fanout_status"]

    async def spy(jobs: list[Job]) -> list[Job]:
        left = await inner(jobs)
        calls.append((len(jobs), len(left)))
        return left

    runner.batch_handlers["fanout_status"] = spy
    return calls


def _scene(client: ApiClient, tag_followers: int) -> tuple[User, User, list[User], User]:
    """alice followed by bob; ``tag_followers`` accounts follow #birds, and
    so does erin, who blocks alice; every home cached."""
    alice, bob, erin = (client.make_user(n) for n in ("alice", "bob", "erin"))
    fans = [client.make_user(f"fan{i}") for i in range(tag_followers)]
    follow(client, bob, alice)
    for user in [*fans, erin]:
        assert client.post("/api/v1/tags/birds/follow", user=user).status_code == 200
    assert client.post(f"/api/v1/accounts/{alice.id}/block", user=erin).status_code == 200
    client.drain()
    for user in (alice, bob, erin, *fans):
        home(client, user)
    return alice, bob, fans, erin


@pytest.mark.parametrize(("tag_followers", "left"), [(1, 0), (3, 2)])
def test_hashtag_followers_in_the_batch_or_left_to_the_one_job_path(
    client: ApiClient, tag_followers: int, left: int
) -> None:
    alice, bob, fans, erin = _scene(client, tag_followers)
    calls = _spy(client)
    tagged = [post(client, alice, f"look #birds {i}") for i in range(2)]
    plain = post(client, alice, "no tag")
    client.drain()
    # Two tag follows (a fan and erin) fit a batch of 3; four do not.
    assert calls == [(3, left)]
    wanted = {int(i) for i in tagged}
    for fan in fans:
        assert set(cached_home(client, fan) or []) == wanted
    assert set(cached_home(client, bob) or []) == {*wanted, int(plain)}
    assert cached_home(client, erin) == []  # blocks the author
