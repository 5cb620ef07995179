"""Workloads 1-3 of benchmark.md on the socfb-Reed98 graph: home timeline
read, post and fan-out, and the DeathStarBench social mix."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any, TypeAlias

from roost.seed.graphs import username
from roost_bench.dataset import BenchData
from roost_bench.fanout import measure_delay
from roost_bench.http import HttpClient
from roost_bench.openloop import PlannedRequest
from roost_bench.requests import HOME_PATH, TEXT_CHARS, Requests, SocialMix
from roost_bench.runner import Bench, BenchOptions, rps_spread
from roost_bench.stats import latency_summary
from roost_bench.wrk import WrkResult, run_wrk, summarize_runs

HOME_LIMIT = 20
MIX_LIMIT = 10
# target.md: home timeline p99 under 25 ms at half the measured rate.
HOME_P99_TARGET_MS = 25.0

# timeout -> (seconds until no job was pending or None, jobs left)
WaitIdle: TypeAlias = Callable[[float], tuple[float | None, int]]
# A block during which the job workers are stopped.
Pause: TypeAlias = Callable[[], AbstractContextManager[None]]


def best_rate_within(points: list[dict[str, Any]], p99_ms: float) -> float | None:
    """The highest achieved open-loop rate whose p99 stayed under ``p99_ms``
    without errors (None when no rate did)."""
    good = [
        p["achieved_rate"]
        for p in points
        if p.get("errors", 0) == 0 and p.get("latency_ms", {}).get("p99", float("inf")) < p99_ms
    ]
    return max(good) if good else None


def _home_source(data: BenchData, users: list[int], seed: int) -> Callable[[str], Any]:
    def make(hostport: str) -> Callable[[], PlannedRequest]:
        requests = Requests(hostport, [data.tokens[u] for u in users])
        rng = random.Random(seed)
        raws = [requests.home(i, limit=HOME_LIMIT) for i in range(len(users))]
        return lambda: PlannedRequest("home", rng.choice(raws))

    return make


def home_readers(o: BenchOptions, data: BenchData) -> list[int]:
    """The users whose home timelines the home workload reads."""
    users = data.token_users()
    if o.home_readers is not None and o.home_readers < len(users):
        users = sorted(random.Random(o.seed).sample(users, o.home_readers))
    return users


def warm_home_timelines(
    bench: Bench,
    url: str,
    data: BenchData,
    users: list[int],
    *,
    read: Callable[[Requests, int], bytes] | None = None,
) -> dict[str, Any]:
    """Read every user's home timeline once (the first read may rebuild it);
    returns the latencies of those cold reads. ``read``: another request
    per user index instead (the user timeline warm-up)."""

    async def job(client: HttpClient) -> dict[str, Any]:
        requests = Requests(client.hostport, [data.tokens[u] for u in users])
        make = read or (lambda r, i: r.home(i, limit=HOME_LIMIT))
        latencies: list[float] = []
        errors = 0
        queue = list(range(len(users)))

        async def worker() -> None:
            nonlocal errors
            while queue:
                i = queue.pop()
                started = time.perf_counter()
                try:
                    response = await client.send_raw(make(requests, i))
                except (TimeoutError, OSError, asyncio.IncompleteReadError) as exc:
                    # One slow first read must not end a run whose data took
                    # minutes to load: counted, reported, and the run goes on.
                    failures[type(exc).__name__] = failures.get(type(exc).__name__, 0) + 1
                    continue
                latencies.append(time.perf_counter() - started)
                errors += response.status != 200

        failures: dict[str, int] = {}
        await asyncio.gather(*(worker() for _ in range(8)))
        return {
            "reads": len(latencies),
            "errors": errors + sum(failures.values()),
            "failures": failures,
            "latency_ms": latency_summary(latencies),
        }

    return bench.with_client(url, job)


def wrk_users_reading(home_data: dict[str, Any]) -> dict[str, Any]:
    """The mix script's data for user timeline reads only (no home reads,
    no posts) of the same users and page size as ``home_data``."""
    return {
        **home_data,
        "home": 0.0,
        "user": 1.0,
        "text_chars": TEXT_CHARS,
        "link_chars": 64,
    }


def home_workload(bench: Bench, url: str, data: BenchData, workers: int) -> dict[str, Any]:
    """Maximum home-timeline reads/s against the ceiling, then latency at fixed rates."""
    o = bench.options
    users = home_readers(o, data)
    wrk_data = data.wrk_users(users) | {"limit": HOME_LIMIT, "seed": o.seed, "home_path": HOME_PATH}
    cold = warm_home_timelines(bench, url, data, users)
    bench.say(
        f"home: warmed {cold['reads']} timelines, "
        f"cold p99 {cold['latency_ms'].get('p99', 0):.1f} ms"
    )
    runs = bench.wrk_reps(url, "home", wrk_data, label="home")
    roost = rps_spread(runs)
    ceiling = bench.ceiling(workers, wrk_data)
    share = roost.median / ceiling["rps"]["median"] if ceiling["rps"]["median"] else 0.0
    bench.say(f"home: {roost.describe()} req/s = {share:.0%} of the ceiling")
    # The user timeline (/accounts/:id/statuses) read alone, same readers,
    # same page size, same server: its cost against the home read's.
    user_data = wrk_users_reading(wrk_data)
    # Each account's page read once, as the home timelines were: what stays
    # cold is what depends on the pair (reader, account), as in real use.
    accounts = [data.account_id(u) for u in users]
    warmed = warm_home_timelines(
        bench,
        url,
        data,
        users,
        read=lambda r, i: r.account_statuses(
            i, accounts[(i + 1) % len(accounts)], limit=HOME_LIMIT
        ),
    )
    bench.say(
        f"user timeline: warmed {warmed['reads']} accounts, "
        f"cold p99 {warmed['latency_ms'].get('p99', 0):.1f} ms"
    )
    user_runs = bench.wrk_reps(url, "mix", user_data, label="user timeline")
    user = rps_spread(user_runs)
    user_ratio = roost.median / user.median if user.median else 0.0
    bench.say(f"user timeline: {user.describe()} req/s, costs {user_ratio:.2f}x the home read")
    points = []
    for rate in bench.rates(roost.median):
        result = bench.open_loop(url, rate=rate, make=_home_source(data, users, o.seed))
        summary = result.summary()
        bench.say(
            f"home open-loop {rate:,.0f}/s: p50 {summary['latency_ms'].get('p50', 0):.1f} ms, "
            f"p99 {summary['latency_ms'].get('p99', 0):.1f} ms, {summary['errors']} errors, "
            f"client {summary['client_cores'] or 0:.2f} cores"
        )
        points.append(summary)
    return {
        "workload": "home",
        "limit": HOME_LIMIT,
        "readers": len(users),
        "throughput": summarize_runs(runs),
        "bytes_per_response": runs[0].bytes / runs[0].requests if runs[0].requests else 0,
        "ceiling_share": share,
        "user_timeline": {
            "throughput": summarize_runs(user_runs),
            "ceiling_share": user.median / ceiling["rps"]["median"]
            if ceiling["rps"]["median"]
            else 0.0,
            "cost_vs_home": user_ratio,
        },
        "cold_reads": cold,
        "open_loop": points,
        "p99_target_ms": HOME_P99_TARGET_MS,
        "best_rate_within_target": best_rate_within(points, HOME_P99_TARGET_MS),
    }


def mix_workload(bench: Bench, url: str, data: BenchData, workers: int) -> dict[str, Any]:
    """The social mix: maximum throughput (wrk), then per-type latency at fixed rates."""
    o = bench.options
    users = data.token_users()
    # Warm up as the home workload does: without it a run of this length is
    # mostly first reads (timeline rebuilds), which the "cold" figure reports.
    cold = warm_home_timelines(bench, url, data, users)
    bench.say(
        f"mix: warmed {cold['reads']} home timelines, "
        f"cold p99 {cold['latency_ms'].get('p99', 0):.1f} ms"
    )
    wrk_data = data.wrk_users(users) | {
        "home": 0.6,
        "user": 0.3,
        "limit": MIX_LIMIT,
        "text_chars": TEXT_CHARS,
        "link_chars": 64,
        "seed": o.seed,
    }
    runs = bench.wrk_reps(url, "mix", wrk_data, label="mix")
    best = rps_spread(runs)

    def make(hostport: str) -> Callable[[], PlannedRequest]:
        requests = Requests(hostport, [data.tokens[u] for u in users])
        return SocialMix(
            requests,
            account_ids=[data.account_id(u) for u in users],
            usernames=[username(u) for u in users],
            limit=MIX_LIMIT,
            seed=o.seed,
        )

    points = []
    for rate in bench.rates(best.median):
        summary = bench.open_loop(url, rate=rate, make=make).summary()
        kinds = summary["by_kind"]
        bench.say(
            f"mix open-loop {rate:,.0f}/s: "
            + ", ".join(
                f"{k} p99 {v['latency_ms'].get('p99', 0):.1f} ms ({v['errors']} errors)"
                for k, v in kinds.items()
            )
        )
        points.append(summary)
    # No share of the ceiling: the ceiling serves one cheap read, the mix also
    # posts, so the ratio would not mean anything.
    return {
        "workload": "mix",
        "shares": {"home": 0.6, "user": 0.3, "post": 0.1},
        "limit": MIX_LIMIT,
        "throughput": summarize_runs(runs),
        "cold_reads": cold,
        "open_loop": points,
        "workers": workers,
    }


def sustained_rate(posts: int, posting_seconds: float, drain_seconds: float | None) -> float | None:
    """Posts per second delivered: every post accepted during the burst over
    the time from its start until the job queue was empty (None: never)."""
    if drain_seconds is None:
        return None
    total = posting_seconds + drain_seconds
    return posts / total if total > 0 else None


def fanout_workload(
    bench: Bench,
    url: str,
    data: BenchData,
    following: dict[int, list[int]],
    wait_idle: WaitIdle,
    paused: Pause | None = None,
) -> dict[str, Any]:
    """A posting burst at full speed (wrk) and the time its fan-out backlog
    takes to drain (the sustained posts/s), then the post-to-timeline delay
    at fixed posting rates (by default shares of the sustained rate).

    ``following``: observer user index -> the user indexes it follows.
    ``wait_idle(timeout)``: waits until no job is pending; returns the
    seconds it took (None on timeout) and the jobs left. ``paused()``: a
    block during which the job workers are stopped (only with job workers):
    then a last burst piles up a backlog and the time the workers take to
    drain it gives their own posts/s.
    """
    o = bench.options
    observers = sorted(following)
    users = data.token_users()
    position = {u: i for i, u in enumerate(users)}
    followers: dict[int, list[int]] = {}
    for observer, followed in following.items():
        for author in followed:
            if author in position and author not in following:
                followers.setdefault(position[author], []).append(position[observer])
    mean_followers = sum(int(data.followers_count[u]) for u in users) / len(users) if users else 0.0
    burst = _post_burst(bench, url, data, users, wait_idle)
    base = burst["sustained_posts_per_s"] or burst["throughput"]["rps"]["median"]
    rates = list(o.post_rates) or bench.rates(base)
    delay_runs = []
    for rate in rates:
        _, backlog = wait_idle(o.settle_timeout)

        async def job(client: HttpClient, rate: float = rate) -> dict[str, Any]:
            requests = Requests(client.hostport, [data.tokens[u] for u in users])
            result = await measure_delay(
                client,
                requests,
                followers=followers,
                observers=[position[u] for u in observers],
                rate=rate,
                duration=o.open_loop_seconds,
                settle_timeout=o.settle_timeout,
                seed=o.seed,
            )
            return result.summary()

        summary = bench.with_client(url, job)
        bench.say(
            f"fan-out at {rate:,.0f} posts/s: post p99 "
            f"{summary['post']['latency_ms'].get('p99', 0):.1f} ms, delay p50 "
            f"{summary['delay_ms'].get('p50', 0):.0f} ms p99 "
            f"{summary['delay_ms'].get('p99', 0):.0f} ms, {summary['undelivered']} undelivered"
        )
        delay_runs.append(
            summary | {"rate": rate, "mean_followers": mean_followers, "backlog_before": backlog}
        )
    return {
        "workload": "fanout",
        "observers": len(observers),
        "mean_followers": mean_followers,
        "delay": delay_runs,
        "burst": burst,
        "workers_drain": _workers_drain(bench, url, data, users, wait_idle, paused)
        if paused is not None
        else None,
    }


def _post_burst(
    bench: Bench, url: str, data: BenchData, users: list[int], wait_idle: WaitIdle
) -> dict[str, Any]:
    """Posts as fast as wrk can send them (warm-up included), then the wait
    until the job queue is empty: how long the burst's fan-out took."""
    o = bench.options
    wrk_data = _posts_only(data, users, o.seed + 1)
    backlog_before = wait_idle(o.settle_timeout)[1]
    warm: list[WrkResult] = []
    started = time.perf_counter()
    runs = bench.wrk_reps(url, "mix", wrk_data, label="post burst", on_warmup=warm.append)
    posting = time.perf_counter() - started
    drain, left = wait_idle(o.settle_timeout)
    # Every accepted post of the warm-up and the measured runs is in the backlog.
    accepted = sum(r.requests - r.non_2xx for r in (*warm, *runs))
    sustained = sustained_rate(accepted, posting, drain)
    bench.say(
        f"post burst: {rps_spread(runs).describe()} posts/s accepted; fan-out of its "
        f"{accepted:,} posts done "
        + (
            f"{drain:.2f} s after it: {sustained:,.0f} posts/s sustained"
            if drain is not None and sustained is not None
            else f"not within {o.settle_timeout:g} s ({left:,} jobs left)"
        )
    )
    return {
        "throughput": summarize_runs(runs),
        "posts": accepted,
        "posting_seconds": posting,
        "drain_seconds": drain,
        "drain_timeout": o.settle_timeout,
        "jobs_left": left,
        "backlog_before": backlog_before,
        "sustained_posts_per_s": sustained,
    }


def _posts_only(data: BenchData, users: list[int], seed: int) -> dict[str, Any]:
    """The mix script's data for posts only (as the mix writes them)."""
    return data.wrk_users(users) | {
        "home": 0.0,
        "user": 0.0,
        "limit": MIX_LIMIT,
        "text_chars": TEXT_CHARS,
        "link_chars": 64,
        "seed": seed,
    }


def _workers_drain(
    bench: Bench,
    url: str,
    data: BenchData,
    users: list[int],
    wait_idle: WaitIdle,
    paused: Pause,
) -> dict[str, Any]:
    """Posts for one run while the job workers are stopped, then the time
    they take to fan out that backlog: their posts/s without the app
    servers competing for the cores."""
    o = bench.options
    wait_idle(o.settle_timeout)
    with paused():
        run = run_wrk(url, run=bench.wrk_run, workload="mix", data=_posts_only(data, users, o.seed))
    backlog = run.requests - run.non_2xx
    drain, left = wait_idle(o.settle_timeout)
    rate = backlog / drain if drain else None
    bench.say(
        f"job workers drained a backlog of {backlog:,} posts "
        + (
            f"in {drain:.2f} s: {rate:,.0f} posts/s"
            if drain is not None and rate is not None
            else f"not within {o.settle_timeout:g} s ({left:,} jobs left)"
        )
    )
    return {
        "posts": backlog,
        "drain_seconds": drain,
        "drain_timeout": o.settle_timeout,
        "jobs_left": left,
        "posts_per_s": rate,
    }
