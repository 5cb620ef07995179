"""Workload 4: celebrities on a generated heavy-tailed follow graph.

User 0 is followed by ``celebrity_followers`` users; the Zipf draw gives a
few more very popular accounts. Measured: how long posts of the hottest
accounts take to be seen by their followers, what a post request costs for
them and for ordinary users, and the home-timeline latency of the users who
follow the most hot accounts next to that of random users.

Accounts with at least ROOST_HOT_USER_THRESHOLD followers are not fanned
out: their posts are merged into home timelines at read time. Each of the
ten hottest accounts is labelled with the path its posts take, and on Redis
the stored timelines of the observers are checked for the posts they saw.
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Callable
from typing import Any, TypeAlias

import numpy as np

from roost.seed.graphs import GeneratedGraph
from roost_bench.dataset import BenchData, followers_of, in_degrees, sample_users
from roost_bench.fanout import DelayResult, measure_delay
from roost_bench.http import HttpClient
from roost_bench.openloop import PlannedRequest
from roost_bench.requests import Requests, random_text
from roost_bench.runner import Bench, BenchOptions
from roost_bench.stored_timelines import delivery_paths
from roost_bench.workloads import HOME_LIMIT, warm_home_timelines

HOT_USERS = 10
HEAVY_READERS = 20
RANDOM_READERS = 200
NORMAL_AUTHORS = 50

# accounts -> the status ids in each one's stored home timeline
StoredIds: TypeAlias = Callable[[list[int]], dict[int, set[int]]]


@dataclasses.dataclass
class CelebrityPlan:
    graph: GeneratedGraph
    hot: list[int]
    observers: dict[int, list[int]]  # hot user -> observers among its followers
    heavy_readers: list[int]
    # How many of ``hot`` each heavy reader follows.
    heavy_hot_follows: list[int]
    random_readers: list[int]
    normal_authors: list[int]

    def token_users(self) -> list[int]:
        every = set(self.hot) | set(self.heavy_readers) | set(self.random_readers)
        every |= set(self.normal_authors)
        for fans in self.observers.values():
            every |= set(fans)
        return sorted(every)


def plan_celebrities(o: BenchOptions) -> CelebrityPlan:
    """The celebrity graph and who plays which part in it."""
    graph = GeneratedGraph(
        users=o.celebrity_users,
        follows_per_user=o.celebrity_follows_per_user,
        seed=o.seed,
        celebrity_followers=o.celebrity_followers,
    )
    degrees = in_degrees(graph)
    hot = [int(u) for u in np.argsort(-degrees, kind="stable")[:HOT_USERS]]
    hot_set = np.array(hot, dtype=np.int64)
    hot_followed = np.zeros(graph.users, dtype=np.int64)
    for chunk in graph.follow_chunks():
        hit = np.isin(chunk.followees, hot_set)
        hot_followed += np.bincount(chunk.followers[hit], minlength=graph.users)
    heavy = [int(u) for u in np.argsort(-hot_followed, kind="stable")[:HEAVY_READERS]]
    rng = random.Random(o.seed)
    fans = followers_of(graph, hot)
    celebrity_fans = [u for u in fans[hot[0]] if u not in hot]
    watchers = rng.sample(celebrity_fans, min(o.observers, len(celebrity_fans)))
    fan_sets = {h: set(fans[h]) for h in hot}
    observers = {h: [w for w in watchers if w in fan_sets[h]] for h in hot}
    ordinary = np.flatnonzero(degrees <= np.median(degrees)).tolist()
    return CelebrityPlan(
        graph=graph,
        hot=hot,
        observers={h: w for h, w in observers.items() if w},
        heavy_readers=heavy,
        heavy_hot_follows=[int(hot_followed[u]) for u in heavy],
        random_readers=sample_users(
            graph.users, min(RANDOM_READERS, o.home_readers or RANDOM_READERS), seed=o.seed + 7
        ),
        normal_authors=rng.sample(ordinary, min(NORMAL_AUTHORS, len(ordinary))),
    )


def _posts_by(data: BenchData, users: list[int], seed: int) -> Callable[[str], Any]:
    def make(hostport: str) -> Callable[[], PlannedRequest]:
        requests = Requests(hostport, [data.tokens[u] for u in users])
        rng = random.Random(seed)
        return lambda: PlannedRequest(
            "post", requests.post(rng.randrange(len(users)), random_text(rng, 200))
        )

    return make


def _homes_of(data: BenchData, users: list[int], seed: int) -> Callable[[str], Any]:
    def make(hostport: str) -> Callable[[], PlannedRequest]:
        requests = Requests(hostport, [data.tokens[u] for u in users])
        raws = [requests.home(i, limit=HOME_LIMIT) for i in range(len(users))]
        rng = random.Random(seed)
        return lambda: PlannedRequest("home", rng.choice(raws))

    return make


def delivery_path(followers: int, threshold: int) -> str:
    """How a post of an account with ``followers`` reaches home timelines."""
    return "read merge" if followers >= threshold else "fan-out"


def celebrity_workload(
    bench: Bench,
    url: str,
    data: BenchData,
    plan: CelebrityPlan,
    *,
    hot_threshold: int,
    stored: StoredIds | None = None,
) -> dict[str, Any]:
    """Hot users' posts and their delay, ordinary posts, home reads.

    ``hot_threshold``: the servers' ROOST_HOT_USER_THRESHOLD. ``stored``
    (Redis deployments): reads the stored home timelines, to check which
    path the posts the observers saw took.
    """
    o = bench.options
    users = data.token_users()
    position = {u: i for i, u in enumerate(users)}
    followers = {
        position[h]: [position[w] for w in watchers] for h, watchers in plan.observers.items()
    }
    watchers = sorted({w for ws in followers.values() for w in ws})
    readers = plan.heavy_readers + plan.random_readers
    # The watchers too: their timelines must be built before the posts, so
    # that a post found in a stored timeline was pushed there by fan-out.
    cold = warm_home_timelines(bench, url, data, readers)
    warm_home_timelines(bench, url, data, [users[w] for w in watchers])
    hot_rate = 2.0 if o.quick else 5.0

    def delay_run(authors: dict[int, list[int]]) -> DelayResult:
        async def job(client: HttpClient) -> DelayResult:
            requests = Requests(client.hostport, [data.tokens[u] for u in users])
            return await measure_delay(
                client,
                requests,
                followers=authors,
                observers=sorted({w for ws in authors.values() for w in ws}),
                rate=hot_rate,
                duration=o.open_loop_seconds,
                settle_timeout=o.settle_timeout,
                seed=o.seed,
            )

        return bench.with_client(url, job)

    # The top celebrity alone (the author with the most followers), then the
    # ten hottest accounts mixed (those an observer follows).
    top = position[plan.hot[0]]
    runs: dict[str, DelayResult] = {}
    if top in followers:
        runs["top"] = delay_run({top: followers[top]})
    runs["hot"] = delay_run(followers)
    summaries = {name: run.summary() for name, run in runs.items()}
    for name, summary in summaries.items():
        bench.say(
            f"{name} posts at {hot_rate:g}/s: post p50 "
            f"{summary['post']['latency_ms'].get('p50', 0):.1f} ms p99 "
            f"{summary['post']['latency_ms'].get('p99', 0):.1f} ms, delay p50 "
            f"{summary['delay_ms'].get('p50', 0):.0f} ms p99 "
            f"{summary['delay_ms'].get('p99', 0):.0f} ms, {summary['undelivered']} undelivered"
        )
    degrees = data.followers_count
    posts_by_author: dict[int, list[int]] = {}
    seen_posts: dict[int, list[int]] = {}
    for run in runs.values():
        for author, ids in run.posts_by_author.items():
            posts_by_author.setdefault(author, []).extend(ids)
        for watcher, ids in run.seen_posts.items():
            seen_posts.setdefault(watcher, []).extend(ids)
    paths = None
    if stored is not None:
        account = {i: data.account_id(u) for i, u in enumerate(users)}
        author_of = {sid: account[a] for a, ids in posts_by_author.items() for sid in ids}
        hot_accounts = {account[position[h]] for h in plan.hot if int(degrees[h]) >= hot_threshold}
        seen = {account[w]: ids for w, ids in seen_posts.items()}
        paths = delivery_paths(seen, author_of, hot_accounts, stored(list(seen)))
        bench.say(f"delivery paths of the posts seen: {paths}")
    normal = bench.open_loop(
        url, rate=hot_rate, make=_posts_by(data, plan.normal_authors, o.seed)
    ).summary()
    read_rate = min(o.scale_rate, o.client_rate_cap)
    heavy = bench.open_loop(
        url, rate=read_rate, make=_homes_of(data, plan.heavy_readers, o.seed)
    ).summary()
    ordinary = bench.open_loop(
        url, rate=read_rate, make=_homes_of(data, plan.random_readers, o.seed)
    ).summary()
    bench.say(
        f"home p99: followers of many hot users {heavy['latency_ms'].get('p99', 0):.1f} ms, "
        f"random users {ordinary['latency_ms'].get('p99', 0):.1f} ms"
    )
    posted_by = {users[a]: len(ids) for a, ids in posts_by_author.items()}
    return {
        "workload": "celebrities",
        "graph": plan.graph.name,
        "hot_user_threshold": hot_threshold,
        "hot_users": [
            {
                "user": h,
                "followers": int(degrees[h]),
                "path": delivery_path(int(degrees[h]), hot_threshold),
                "posts": posted_by.get(h, 0),
            }
            for h in plan.hot
        ],
        "top_posts": summaries["top"] | {"rate": hot_rate} if "top" in summaries else None,
        "hot_posts": summaries["hot"] | {"rate": hot_rate},
        "delivery_paths": paths,
        "normal_posts": normal | {"rate": hot_rate},
        "home_heavy_readers": heavy
        | {
            "users": len(plan.heavy_readers),
            "cold_reads": cold["latency_ms"],
            "hot_follows_mean": sum(plan.heavy_hot_follows) / len(plan.heavy_hot_follows)
            if plan.heavy_hot_follows
            else 0.0,
        },
        "home_random_readers": ordinary | {"users": len(plan.random_readers)},
    }
