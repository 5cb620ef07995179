"""Post-to-timeline delay: posts at a fixed rate, observers polling.

A few observer users poll their home timeline; posts are written by
accounts they follow. For every (post, observer following its author) pair
the delay is the time from the post's acknowledgement (its HTTP response)
to the first poll that shows it. One poller per observer watches every
post at once, so the polling load stays fixed whatever the posting rate;
the delay is measured to within one polling interval.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import random
import time
from collections.abc import Mapping, Sequence
from typing import Any

import msgspec

from roost.ids import EPOCH_MS, TIME_SHIFT
from roost_bench.http import HttpClient, HttpResponse
from roost_bench.openloop import OpenLoopResult, PlannedRequest, run_open_loop
from roost_bench.requests import Requests, random_text
from roost_bench.stats import latency_summary

PAGE = 40
MAX_PAGES = 5


class _IdOnly(msgspec.Struct):
    id: str


_decode_page = msgspec.json.Decoder(list[_IdOnly]).decode
_decode_one = msgspec.json.Decoder(_IdOnly).decode


def id_floor(at: float | None = None) -> int:
    """The smallest snowflake id of statuses created at or after ``at`` (epoch s)."""
    ms = int((time.time() if at is None else at) * 1000)
    return (ms - EPOCH_MS) << TIME_SHIFT


@dataclasses.dataclass
class DelayResult:
    posts: OpenLoopResult
    delays: list[float]
    undelivered: int
    poll_interval: float
    polls: int
    observers: int
    # Author -> ids of its acknowledged posts (indexes as in ``followers``).
    posts_by_author: dict[int, list[int]] = dataclasses.field(default_factory=dict)
    # Observer -> ids of the expected posts it saw.
    seen_posts: dict[int, list[int]] = dataclasses.field(default_factory=dict)
    # Per post seen at all: the delay until its first observer saw it.
    first_delays: list[float] = dataclasses.field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        return {
            "post": self.posts.summary(),
            "delay_ms": latency_summary(self.delays),
            "delay_samples": len(self.delays),
            "first_delay_ms": latency_summary(self.first_delays),
            # Every sample, for the delay distribution plot.
            "delay_samples_ms": [round(d * 1000, 1) for d in sorted(self.delays)],
            "undelivered": self.undelivered,
            "poll_interval_ms": self.poll_interval * 1000,
            "polls": self.polls,
            "observers": self.observers,
        }


class Observers:
    """Observers' first sightings of statuses, and the posts they expect."""

    def __init__(
        self,
        client: HttpClient,
        requests: Requests,
        users: Sequence[int],
        *,
        floor: int | None = None,
    ) -> None:
        self.client = client
        self.requests = requests
        self.users = list(users)
        # Polls ask for statuses newer than this id. Roost's ids start from
        # the clock; another server's do not, so its caller passes the
        # newest id it saw before posting.
        self.floor = id_floor() - 1 if floor is None else floor
        self.seen: dict[int, dict[int, float]] = {u: {} for u in self.users}
        # observer -> status id -> acknowledgement time
        self.expected: dict[int, dict[int, float]] = {u: {} for u in self.users}
        self.polls = 0

    def expect(self, status_id: int, acked: float, observers: Sequence[int]) -> None:
        for observer in observers:
            self.expected[observer][status_id] = acked

    def pending(self) -> int:
        return sum(1 for u in self.users for sid in self.expected[u] if sid not in self.seen[u])

    async def poll_once(self, user: int) -> None:
        max_id: int | None = None
        for _ in range(MAX_PAGES):
            raw = self.requests.home(user, limit=PAGE, since_id=self.floor, max_id=max_id)
            response = await self.client.send_raw(raw)
            now = time.perf_counter()
            self.polls += 1
            if response.status != 200:
                return
            ids = [int(s.id) for s in _decode_page(response.body)]
            seen = self.seen[user]
            for sid in ids:
                seen.setdefault(sid, now)
            # Look deeper only while an expected post is older than this page.
            missing = [s for s in self.expected[user] if s not in seen]
            if len(ids) < PAGE or not missing or min(missing) > ids[-1]:
                return
            max_id = ids[-1]

    async def watch(self, user: int, stop: asyncio.Event, interval: float) -> None:
        while not stop.is_set():
            started = time.perf_counter()
            # A failed poll only delays the sighting; the posts count their errors.
            with contextlib.suppress(
                OSError, TimeoutError, asyncio.IncompleteReadError, msgspec.DecodeError
            ):
                await self.poll_once(user)
            await asyncio.sleep(max(0.0, interval - (time.perf_counter() - started)))

    def seen_expected(self) -> dict[int, list[int]]:
        """Observer -> the expected posts it has seen."""
        return {u: sorted(s for s in self.expected[u] if s in self.seen[u]) for u in self.users}

    def first_delays(self) -> list[float]:
        """Per post, the delay until the first of its observers saw it
        (posts no observer saw are left out; ``delays`` counts them)."""
        acked: dict[int, float] = {}
        first: dict[int, float] = {}
        for user in self.users:
            for sid, at in self.expected[user].items():
                acked[sid] = at
                seen = self.seen[user].get(sid)
                if seen is not None:
                    first[sid] = min(seen, first.get(sid, seen))
        return [max(0.0, first[sid] - acked[sid]) for sid in first]

    def delays(self) -> tuple[list[float], int]:
        found: list[float] = []
        missing = 0
        for user in self.users:
            for sid, acked in self.expected[user].items():
                first = self.seen[user].get(sid)
                if first is None:
                    missing += 1
                else:
                    # Seen before the response reached us: delivered at once.
                    found.append(max(0.0, first - acked))
        return found, missing


async def measure_delay(
    client: HttpClient,
    requests: Requests,
    *,
    followers: Mapping[int, Sequence[int]],
    observers: Sequence[int],
    rate: float,
    duration: float,
    poll_interval: float = 0.05,
    settle_timeout: float = 30.0,
    seed: int = 0,
    text_chars: int = 200,
    floor: int | None = None,
) -> DelayResult:
    """Post at ``rate`` for ``duration`` as authors in ``followers`` (author ->
    its followers among ``observers``; every index is a position in
    ``requests.tokens``) and measure when the observers see each post.
    ``floor``: the status id the observers' polls start after (default:
    from the clock, as Roost's ids are made)."""
    watched = Observers(client, requests, observers, floor=floor)
    authors = [a for a, fans in followers.items() if fans]
    if not authors:
        raise ValueError("no author is followed by an observer")
    rng = random.Random(seed)
    posted: dict[int, list[int]] = {}

    def next_post() -> PlannedRequest:
        author = rng.choice(authors)
        fans = list(followers[author])

        def acknowledged(response: HttpResponse, finished: float) -> None:
            if response.status == 200:
                status_id = int(_decode_one(response.body).id)
                watched.expect(status_id, finished, fans)
                posted.setdefault(author, []).append(status_id)

        raw = requests.post(author, random_text(rng, text_chars))
        return PlannedRequest("post", raw, acknowledged)

    stop = asyncio.Event()
    pollers = [asyncio.create_task(watched.watch(u, stop, poll_interval)) for u in observers]
    try:
        posts = await run_open_loop(client, rate=rate, duration=duration, next_request=next_post)
        deadline = time.perf_counter() + settle_timeout
        while watched.pending() and time.perf_counter() < deadline:  # noqa: ASYNC110 - polls a count
            await asyncio.sleep(poll_interval)
    finally:
        stop.set()
        await asyncio.gather(*pollers, return_exceptions=True)
    delays, missing = watched.delays()
    return DelayResult(
        posts,
        delays,
        missing,
        poll_interval,
        watched.polls,
        len(observers),
        posts_by_author=posted,
        seen_posts=watched.seen_expected(),
        first_delays=watched.first_delays(),
    )
