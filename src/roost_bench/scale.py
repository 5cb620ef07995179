"""Workload 5: how load time, size and read latency change with the data size.

Each size is a generated graph with ten statuses per user on average (0-20
each, readable demo text so that search has words to find) and up to 50
follows per user: 10M statuses means 1M users and about 50M follows.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from roost.seed.graphs import GeneratedGraph
from roost_bench.dataset import BenchData, sample_users
from roost_bench.http import HttpClient
from roost_bench.openloop import PlannedRequest
from roost_bench.requests import Requests
from roost_bench.runner import Bench
from roost_bench.workloads import HOME_LIMIT, warm_home_timelines

READERS = 500
POSTS_PER_USER = (0, 20)
SEARCH_PATH = "/api/v2/search"
# Fixed queries measured on their own (the demo text's vocabulary): its most
# common word, two of its 3% words that are rare together, a common phrase,
# and a word no status holds.
SEARCH_CASES = {
    "most_common_word": "the",
    "two_words_rare_together": "cycling science",
    "phrase": '"quick note"',
    "absent_word": "zanzibar",
}
SLOW_MARK = "slow request: "
# At most this many slow-request lines kept per phase in the result.
SLOW_KEPT = 50


class SlowLog:
    """The server's slow-request lines (``ROOST_SLOW_REQUEST_MS``) written
    during each phase, read from the server's log file."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.offset = self._size()

    def _size(self) -> int:
        try:
            return self.path.stat().st_size if self.path is not None else 0
        except OSError:
            return 0

    def since_last(self) -> list[str]:
        """Slow-request lines written since the previous call."""
        if self.path is None:
            return []
        try:
            with self.path.open("rb") as log:
                log.seek(self.offset)
                text = log.read().decode(errors="replace")
        except OSError:
            return []
        self.offset += len(text.encode())
        return [line[line.index(SLOW_MARK) :] for line in text.splitlines() if SLOW_MARK in line]


def scale_graph(statuses: int, seed: int) -> GeneratedGraph:
    users = max(200, statuses // 10)
    return GeneratedGraph(users=users, follows_per_user=min(50.0, users / 20), seed=seed)


def scale_readers(graph: GeneratedGraph, seed: int, count: int | None = None) -> list[int]:
    """The users whose timelines are read (``count``, default 500, drawn at random)."""
    return sample_users(graph.users, count or READERS, seed=seed + 11)


def _search_words(bench: Bench, url: str, data: BenchData, user: int) -> list[str]:
    """Words of real statuses (from one user timeline), to search for."""

    async def job(client: HttpClient) -> list[str]:
        requests = Requests(client.hostport, [data.tokens[user]])
        found: set[str] = set()
        for author in list(data.tokens)[:20]:
            response = await client.send_raw(
                requests.account_statuses(0, data.account_id(author), limit=20)
            )
            if response.status != 200:
                continue
            for status in response.json():
                text = re.sub(r"<[^>]+>", " ", str(status.get("content", "")))
                found.update(w.lower() for w in re.findall(r"[A-Za-z]{5,}", text))
        return sorted(found)

    return bench.with_client(url, job)


def scale_workload(
    bench: Bench,
    url: str,
    data: BenchData,
    readers: list[int],
    storage: dict[str, Any],
    server_log: Path | None = None,
) -> dict[str, Any]:
    o = bench.options
    rate = min(o.scale_rate, o.client_rate_cap)
    slow_log = SlowLog(server_log)
    slow: dict[str, Any] = {}

    def note_slow(phase: str) -> None:
        lines = slow_log.since_last()
        if lines:
            slow[phase] = {"count": len(lines), "lines": lines[:SLOW_KEPT]}
            bench.say(f"  {len(lines)} slow request(s) logged by the server during {phase}")

    cold = warm_home_timelines(bench, url, data, readers)
    note_slow("cold_home_reads")
    bench.say(
        f"scale {data.statuses:,} statuses: warmed {cold['reads']} home timelines, cold p50 "
        f"{cold['latency_ms'].get('p50', 0):.1f} ms p99 {cold['latency_ms'].get('p99', 0):.1f} "
        f"ms, {cold['errors']} errors"
    )
    account_ids = [data.account_id(u) for u in readers]

    def source(kind: str, words: list[str] | None = None) -> Callable[[str], Any]:
        def make(hostport: str) -> Callable[[], PlannedRequest]:
            requests = Requests(hostport, [data.tokens[u] for u in readers])
            rng = random.Random(o.seed)

            def next_request() -> PlannedRequest:
                user = rng.randrange(len(readers))
                if kind == "home":
                    return PlannedRequest(kind, requests.home(user, limit=HOME_LIMIT))
                if kind == "user":
                    target = rng.choice(account_ids)
                    return PlannedRequest(kind, requests.account_statuses(user, target))
                return PlannedRequest(kind, requests.search(user, rng.choice(words or ["x"])))

            return next_request

        return make

    result: dict[str, Any] = {
        "workload": "scale",
        "data": data.summary(),
        "storage": storage,
        "rate": rate,
        "cold_home_reads": cold,
    }
    for kind in ("home", "user"):
        result[kind] = bench.open_loop(url, rate=rate, make=source(kind)).summary()
        note_slow(kind)
    words = _search_words(bench, url, data, readers[0])
    probe = _probe_search(bench, url, data, readers[0], words[0] if words else "coffee")
    slow_log.since_last()  # the word collection's reads are no phase
    if probe == 200 and words:
        result["search"] = bench.open_loop(url, rate=rate, make=source("search", words)).summary()
        result["search_words"] = len(words)
        note_slow("search")
        cases = {}
        for name, query in SEARCH_CASES.items():
            run = bench.open_loop(url, rate=rate, make=source("search", [query]))
            cases[name] = {"query": query, **run.summary()}
            note_slow(f"search {name}")
        result["search_cases"] = cases
        bench.say(
            "  search cases p50/p99 ms: "
            + ", ".join(
                f"{name} {c['latency_ms'].get('p50', 0):.1f}/{c['latency_ms'].get('p99', 0):.1f}"
                for name, c in cases.items()
                if "latency_ms" in c
            )
        )
    else:
        result["search"] = {"pending": f"GET {SEARCH_PATH} answered {probe}"}
    if slow:
        result["slow_requests"] = slow
    bench.say(
        f"scale {data.statuses:,} statuses: load {sum(data.load_seconds.values()):.1f} s, "
        + ", ".join(
            f"{k} p99 {result[k]['latency_ms'].get('p99', 0):.1f} ms"
            for k in ("home", "user", "search")
            if "latency_ms" in result[k]
        )
    )
    return result


def _probe_search(bench: Bench, url: str, data: BenchData, user: int, word: str) -> int:
    async def job(client: HttpClient) -> int:
        requests = Requests(client.hostport, [data.tokens[user]])
        return (await client.send_raw(requests.search(0, word))).status

    return bench.with_client(url, job)
