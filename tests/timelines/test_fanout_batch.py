"""Fan-out of several posts in one batch (``roost.timelines.fanout_batch``):
one job per post that also notifies, the same deliveries as one by one,
and a batch that fails or dies half-way leaves no duplicate and nothing
missing once its jobs run again."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from roost.db import schema
from roost.jobs.runner import Job
from roost.kernel.cachekeys import list_timeline_key
from roost.kernel.paging import Page
from roost.timelines.fanout_batch import fanout_statuses
from tests.helpers import ApiClient, User
from tests.lists.support import add, make_list
from tests.timelines.support import follow, home, post, reblog


def _raw_timeline(client: ApiClient, key: str) -> list[int] | None:
    async def read() -> list[int] | None:
        return await client.services.timelines.range(key, Page(limit=10_000))

    return client.call(read)


def _notes(client: ApiClient, user: User) -> list[tuple[str, str]]:
    response = client.get("/api/v1/notifications", user=user, params={"limit": 80})
    assert response.status_code == 200, response.text
    # Those of statuses (the follows of the scene notified too).
    return [(n["type"], n["status"]["id"]) for n in response.json() if n.get("status")]


def _job_kinds(client: ApiClient) -> Counter[str]:
    async def read() -> Counter[str]:
        async with client.services.db.read(primary=True) as conn:
            rows = await conn.execute(sa.select(schema.jobs.c.kind))
            return Counter(str(r[0]) for r in rows)

    return client.call(read)


class _BatchSpy:
    """Wraps the runner's fan-out batch handler: the sizes it was given."""

    def __init__(self, client: ApiClient) -> None:
        self.sizes: list[int] = []
        self.left: list[int] = []
        runner = client.services.jobs
        inner = runner.batch_handlers["fanout_status"]

        async def spy(jobs: list[Job]) -> list[Job]:
            self.sizes.append(len(jobs))
            left = await inner(jobs)
            self.left.append(len(left))
            return left

        runner.batch_handlers["fanout_status"] = spy


def _scene(client: ApiClient) -> dict[str, Any]:
    """Followers, a plain and an exclusive list, a subscriber, a tag
    follower and a block, every timeline cached; no post yet."""
    alice, bob, carol, dave, erin = (
        client.make_user(n) for n in ("alice", "bob", "carol", "dave", "erin")
    )
    follow(client, carol, alice)
    follow(client, carol, bob, notify="true")  # subscribed to bob's posts
    follow(client, dave, alice)
    follow(client, dave, bob)
    plain = make_list(client, carol, "plain")
    add(client, carol, plain, alice)
    exclusive = make_list(client, dave, "only bob", exclusive="true")
    add(client, dave, exclusive, bob)
    assert client.post("/api/v1/tags/birds/follow", user=erin).status_code == 200
    assert client.post(f"/api/v1/accounts/{alice.id}/block", user=erin).status_code == 200
    client.drain()
    for user in (alice, bob, carol, dave, erin):
        home(client, user)
    for list_id in (plain, exclusive):
        client.get(f"/api/v1/timelines/list/{list_id}", user=carol if list_id == plain else dave)
    return {
        "users": (alice, bob, carol, dave, erin),
        "plain": plain,
        "exclusive": exclusive,
    }


def _post_all(client: ApiClient, scene: dict[str, Any]) -> dict[str, str]:
    alice, bob, _carol, _dave, erin = scene["users"]
    posts = {
        "a1": post(client, alice, "hello"),
        "b1": post(client, bob, f"hi @{erin.username}"),
        "a_tag": post(client, alice, "look #birds"),
        "b_tag": post(client, bob, "more #birds"),
        "b_private": post(client, bob, "followers only", visibility="private"),
    }
    posts["a_boost"] = reblog(client, alice, posts["b1"])
    return posts


def _check(client: ApiClient, scene: dict[str, Any], posts: dict[str, str]) -> None:
    alice, bob, carol, dave, erin = scene["users"]
    p = {k: int(v) for k, v in posts.items()}
    # Home timelines: each id at most once, exactly those admitted.
    expected = {
        alice: {p["a1"], p["a_tag"], p["a_boost"]},
        bob: {p["b1"], p["b_tag"], p["b_private"]},
        # Following bob, carol and dave saw b1 already: not its reblog.
        carol: {i for k, i in p.items() if k != "a_boost"},
        # bob's posts go to dave's exclusive list, not to his home.
        dave: {p["a1"], p["a_tag"]},
        # erin follows #birds but blocks alice: bob's tagged post only.
        erin: {p["b_tag"]},
    }
    for user, wanted in expected.items():
        cached = _raw_timeline(client, f"home:{user.id}")
        assert cached is not None
        assert len(cached) == len(set(cached)), user.username
        assert set(cached) == wanted, user.username
    plain = _raw_timeline(client, list_timeline_key(int(scene["plain"])))
    exclusive = _raw_timeline(client, list_timeline_key(int(scene["exclusive"])))
    assert plain is not None and exclusive is not None
    assert sorted(plain) == sorted({p["a1"], p["a_tag"]})
    assert sorted(exclusive) == sorted({p["b1"], p["b_tag"], p["b_private"]})
    # Notifications, each once: the mention, the subscriber's, the reblog.
    assert sorted(_notes(client, erin)) == [("mention", posts["b1"])]
    assert sorted(_notes(client, carol)) == sorted(
        ("status", posts[k]) for k in ("b1", "b_tag", "b_private")
    )
    assert _notes(client, bob) == [("reblog", posts["b1"])]
    assert _notes(client, dave) == []


def test_one_job_per_post_and_the_batch_delivers_everything(client: ApiClient) -> None:
    scene = _scene(client)
    spy = _BatchSpy(client)
    posts = _post_all(client, scene)
    assert _job_kinds(client) == Counter({"fanout_status": len(posts)})
    client.drain()
    # One batch took every post, their hashtag followers' part included.
    assert spy.sizes == [len(posts)]
    assert spy.left == [0]
    _check(client, scene, posts)


def test_old_notify_status_jobs_still_run(client: ApiClient) -> None:
    alice, bob = client.make_user("alice"), client.make_user("bob")
    mention = post(client, alice, f"hey @{bob.username}")
    client.drain()
    assert _notes(client, bob) == [("mention", mention)]

    async def enqueue_old() -> None:
        from roost.jobs.queue import enqueue

        async with client.services.db.write() as conn:
            await enqueue(conn, client.services.ids, "notify_status", {"status_id": int(mention)})

    client.call(enqueue_old)
    assert client.drain() == 1
    assert _notes(client, bob) == [("mention", mention)]  # once: the unique key


def test_a_batch_that_fails_midway_runs_again_job_by_job(client: ApiClient) -> None:
    scene = _scene(client)
    store = client.services.timelines
    real = store.push_pairs
    failures: list[int] = []

    async def half_then_fail(pairs: Sequence[tuple[str, int]]) -> None:
        await real(pairs[: len(pairs) // 2])
        failures.append(len(pairs))
        raise RuntimeError("worker lost its connection mid-push")

    store.push_pairs = half_then_fail  # type: ignore[method-assign]
    try:
        posts = _post_all(client, scene)
        client.drain()
    finally:
        store.push_pairs = real  # type: ignore[method-assign]
    assert failures  # the batch did fail, after half of its pushes
    assert _job_kinds(client) == Counter()
    _check(client, scene, posts)


def test_a_worker_that_dies_mid_batch_leaves_it_whole_for_the_next(client: ApiClient) -> None:
    """The claimed jobs of a worker that died (after some of the batch's
    pushes and before its notifications) run again once their lease is
    gone: every post delivered and notified exactly once."""
    scene = _scene(client)
    posts = _post_all(client, scene)
    services = client.services
    store = services.timelines
    real = store.push_pairs

    class Died(BaseException):
        pass

    async def die(pairs: Sequence[tuple[str, int]]) -> None:
        await real(pairs[: len(pairs) // 3])
        raise Died

    async def crash() -> int:
        claimed = await services.jobs.claim()
        store.push_pairs = die  # type: ignore[method-assign]
        try:
            await fanout_statuses(claimed)
        except Died:
            pass
        finally:
            store.push_pairs = real  # type: ignore[method-assign]
        # The process is gone: nothing settled its jobs, their leases run out.
        for job in claimed:
            job.settled = True
            services.jobs._held.pop(job.id, None)
        async with services.db.write() as conn:
            await conn.execute(schema.jobs.update().values(locked_until=None))
        return len(claimed)

    assert client.call(crash) == len(posts)
    assert _job_kinds(client) == Counter({"fanout_status": len(posts)})
    client.drain()
    assert _job_kinds(client) == Counter()
    _check(client, scene, posts)


def test_a_batch_leaves_direct_hot_and_resumed_jobs_to_the_one_job_path(
    client: ApiClient,
) -> None:
    alice, bob, carol = (client.make_user(n) for n in ("alice", "bob", "carol"))
    follow(client, bob, alice)
    follow(client, carol, alice)
    client.drain()
    for user in (alice, bob, carol):
        home(client, user)
    spy = _BatchSpy(client)
    plain = post(client, alice, "plain")
    direct = post(client, alice, f"psst @{carol.username}", visibility="direct")
    client.drain()
    assert spy.sizes == [2] and spy.left == [1]  # the direct one
    assert home(client, carol) == [direct, plain]
    assert home(client, bob) == [plain]
    conversations = client.get("/api/v1/conversations", user=carol).json()
    assert [c["last_status"]["id"] for c in conversations] == [direct]
    assert _notes(client, carol) == [("mention", direct)]
