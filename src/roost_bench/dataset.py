"""Benchmark data: load a follow graph with statuses, then issue tokens.

The loader is ``roost.seed`` (bulk inserts with progress bars); this module
picks who gets a token and remembers what the workloads need to know about
the graph: who follows whom among the users that will be watched.
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
from rich.progress import Progress

from roost.seed.graphs import FollowGraph, username
from roost.seed.text import TextStyle
from roost_bench.deploy import Deployment
from roost_bench.tokens import issue_bench_tokens

IntArray = npt.NDArray[np.int64]


@dataclasses.dataclass
class BenchData:
    graph: str
    users: int
    follows: int
    statuses: int
    load_seconds: dict[str, float]
    account_ids: IntArray
    # user index -> bearer token, for the users the workloads act as.
    tokens: dict[int, str]
    # Followers count of every user index (in-degree).
    followers_count: IntArray

    def token_users(self) -> list[int]:
        return sorted(self.tokens)

    def account_id(self, user: int) -> int:
        return int(self.account_ids[user])

    def summary(self) -> dict[str, Any]:
        return {
            "graph": self.graph,
            "users": self.users,
            "follows": self.follows,
            "statuses": self.statuses,
            "load_seconds": self.load_seconds,
            "load_total_seconds": sum(self.load_seconds.values()),
            "users_with_tokens": len(self.tokens),
        }

    def wrk_users(self, users: Sequence[int] | None = None) -> dict[str, Any]:
        """The users as the Lua scripts expect them (parallel arrays)."""
        chosen = list(users) if users is not None else self.token_users()
        return {
            "tokens": [self.tokens[u] for u in chosen],
            "account_ids": [str(self.account_id(u)) for u in chosen],
            "usernames": [username(u) for u in chosen],
        }


def followers_of(graph: FollowGraph, authors: Iterable[int]) -> dict[int, list[int]]:
    """Every follower index of each of ``authors`` (one pass over the graph)."""
    wanted = np.array(sorted(set(authors)), dtype=np.int64)
    found: dict[int, list[int]] = {int(a): [] for a in wanted}
    for chunk in graph.follow_chunks():
        hit = np.isin(chunk.followees, wanted)
        for follower, followee in zip(
            chunk.followers[hit].tolist(), chunk.followees[hit].tolist(), strict=True
        ):
            found[followee].append(follower)
    return found


def following_of(graph: FollowGraph, users: Iterable[int]) -> dict[int, list[int]]:
    """Everyone each of ``users`` follows (one pass over the graph)."""
    wanted = np.array(sorted(set(users)), dtype=np.int64)
    found: dict[int, list[int]] = {int(u): [] for u in wanted}
    for chunk in graph.follow_chunks():
        hit = np.isin(chunk.followers, wanted)
        for follower, followee in zip(
            chunk.followers[hit].tolist(), chunk.followees[hit].tolist(), strict=True
        ):
            found[follower].append(followee)
    return found


def in_degrees(graph: FollowGraph) -> IntArray:
    counts = np.zeros(graph.users, dtype=np.int64)
    for chunk in graph.follow_chunks():
        counts += np.bincount(chunk.followees, minlength=graph.users)
    return counts


def sample_users(users: int, count: int, *, seed: int, always: Iterable[int] = ()) -> list[int]:
    """``count`` user indexes drawn without replacement, plus ``always``."""
    chosen = set(always)
    if count >= users:
        return list(range(users))
    rng = random.Random(seed)
    chosen.update(rng.sample(range(users), count))
    return sorted(chosen)


async def load_dataset(
    deployment: Deployment,
    graph: FollowGraph,
    *,
    posts_per_user: tuple[int, int],
    token_users: Sequence[int] | None = None,
    text_style: TextStyle = "bench",
    seed: int = 0,
    progress: Progress | None = None,
) -> BenchData:
    """Migrate the deployment's empty store, load the graph, issue tokens.

    ``token_users``: user indexes that get a token (default: everyone).
    """
    from roost.db.migrate import migrate
    from roost.seed.loader import SeedOptions, seed_database
    from roost.services import build_services

    settings = deployment.settings()
    if settings.is_sqlite:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    services = build_services(settings)
    try:
        await migrate(services.db.engine)
        options = SeedOptions(
            posts_min=posts_per_user[0],
            posts_max=posts_per_user[1],
            text_style=text_style,
            seed=seed,
            reset=True,
        )
        report = await seed_database(services, graph, options, progress=progress)
        chosen = list(range(graph.users)) if token_users is None else sorted(set(token_users))
        tokens = await issue_bench_tokens(services, [int(report.account_ids[u]) for u in chosen])
    finally:
        await services.close()
    return BenchData(
        graph=report.graph,
        users=report.users,
        follows=report.follows,
        statuses=report.statuses,
        load_seconds=dict(report.seconds),
        account_ids=report.account_ids,
        tokens=dict(zip(chosen, tokens, strict=True)),
        followers_count=in_degrees(graph),
    )
