"""Graph helpers of the bench data, and the graphs the workloads generate."""

from __future__ import annotations

import numpy as np

from roost.seed.graphs import EdgeListGraph, GeneratedGraph
from roost_bench.celebrities import plan_celebrities
from roost_bench.dataset import followers_of, following_of, in_degrees, sample_users
from roost_bench.runner import BenchOptions
from roost_bench.scale import scale_graph


def _triangle_plus_one() -> EdgeListGraph:
    # friendships 0-1, 0-2, 1-2, 2-3: each a mutual follow
    edges = np.array([[1, 0], [2, 0], [2, 1], [3, 2]], dtype=np.int64)
    return EdgeListGraph(name="tiny", users=4, edges=edges)


def test_followers_following_and_degrees() -> None:
    graph = _triangle_plus_one()
    assert {k: sorted(v) for k, v in followers_of(graph, [2, 3]).items()} == {
        2: [0, 1, 3],
        3: [2],
    }
    assert {k: sorted(v) for k, v in following_of(graph, [0]).items()} == {0: [1, 2]}
    assert in_degrees(graph).tolist() == [2, 2, 3, 1]


def test_sample_users_is_deterministic_and_keeps_the_required() -> None:
    first = sample_users(1_000, 10, seed=5, always=[999])
    assert first == sample_users(1_000, 10, seed=5, always=[999])
    assert first != sample_users(1_000, 10, seed=6, always=[999])
    assert 999 in first
    assert len(set(first)) in (10, 11)
    assert sample_users(5, 10, seed=1) == [0, 1, 2, 3, 4]


def test_scale_graph_sizes() -> None:
    # ten statuses per user on average; follows capped at 50 per user
    graph = scale_graph(10_000_000, seed=0)
    assert graph.users == 1_000_000
    assert graph.follows_per_user == 50
    small = scale_graph(20_000, seed=0)
    assert (small.users, small.follows_per_user) == (2_000, 50)
    assert scale_graph(100, seed=0).users == 200


def test_celebrity_graph_is_heavy_tailed() -> None:
    options = BenchOptions.quick_defaults(
        celebrity_users=2_000, celebrity_followers=1_500, observers=5
    )
    plan = plan_celebrities(options)
    degrees = in_degrees(plan.graph)
    # user 0 is the celebrity with exactly the asked followers, the hottest of all
    assert plan.hot[0] == 0
    assert degrees[0] == 1_500
    # most users have few followers, a few have far more than the median
    median = float(np.median(degrees))
    assert median < 30
    assert degrees[plan.hot[1]] > 5 * median
    # observers follow the celebrity, heavy readers follow several hot users
    assert plan.observers[0]
    assert all(w not in plan.hot for w in plan.observers[0])
    fans = followers_of(plan.graph, plan.hot)
    heavy = plan.heavy_readers[0]
    assert sum(heavy in set(fans[h]) for h in plan.hot) >= 3
    assert set(plan.token_users()) >= set(plan.hot) | set(plan.heavy_readers)


def test_generated_graph_is_the_same_for_a_seed() -> None:
    def edges(seed: int) -> list[tuple[int, int]]:
        graph = GeneratedGraph(users=500, follows_per_user=10, seed=seed)
        return [
            (int(a), int(b))
            for chunk in graph.follow_chunks()
            for a, b in zip(chunk.followers, chunk.followees, strict=True)
        ]

    assert edges(3) == edges(3)
    assert edges(3) != edges(4)
