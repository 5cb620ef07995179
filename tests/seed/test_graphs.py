"""The follow graphs: the real socfb-Reed98 file and the generated one."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from roost.seed.graphs import FollowGraph, GeneratedGraph, find_dataset_dir, read_reed98


def _all_follows(graph: FollowGraph) -> tuple[np.ndarray, np.ndarray]:
    chunks = list(graph.follow_chunks())
    return (
        np.concatenate([c.followers for c in chunks]),
        np.concatenate([c.followees for c in chunks]),
    )


def test_reed98_is_found_and_every_edge_is_a_mutual_follow() -> None:
    folder = find_dataset_dir()
    assert (folder / "socfb-Reed98.edges").is_file()
    graph = read_reed98()
    assert graph.users == 962
    src, dst = _all_follows(graph)
    assert len(src) == graph.expected_follows == 37_624
    pairs = set(zip(src.tolist(), dst.tolist(), strict=True))
    assert len(pairs) == 37_624
    assert all((b, a) in pairs for a, b in pairs)
    assert not np.any(src == dst)
    degree = np.bincount(src, minlength=962)
    assert (degree.min(), int(np.median(degree)), degree.max()) == (1, 29, 313)


def test_reed98_accepts_the_edges_file_and_rejects_bad_input(tmp_path: Path) -> None:
    folder = find_dataset_dir()
    assert read_reed98(folder / "socfb-Reed98.edges").users == 962
    bad = tmp_path / "dup.edges"
    bad.write_text("1 0\n2 1\n0 1\n")
    with pytest.raises(ValueError, match="duplicate"):
        read_reed98(bad)
    loop = tmp_path / "loop.edges"
    loop.write_text("1 0\n2 2\n")
    with pytest.raises(ValueError, match="self-loop"):
        read_reed98(loop)
    with pytest.raises(FileNotFoundError):
        read_reed98(tmp_path / "missing")


def test_generated_graph_is_fixed_by_its_seed() -> None:
    first = _all_follows(GeneratedGraph(users=3_000, follows_per_user=15, seed=7))
    again = _all_follows(GeneratedGraph(users=3_000, follows_per_user=15, seed=7))
    other = _all_follows(GeneratedGraph(users=3_000, follows_per_user=15, seed=8))
    assert np.array_equal(first[0], again[0]) and np.array_equal(first[1], again[1])
    assert len(first[0]) != len(other[0]) or not np.array_equal(first[1], other[1])


def test_generated_graph_streams_in_chunks_without_repeats() -> None:
    graph = GeneratedGraph(users=20_000, follows_per_user=10, seed=1, chunk_follows=30_000)
    chunks = list(graph.follow_chunks())
    assert len(chunks) > 5
    assert all(len(c) <= 31_000 for c in chunks)
    src = np.concatenate([c.followers for c in chunks])
    dst = np.concatenate([c.followees for c in chunks])
    keys = src * graph.users + dst
    assert len(np.unique(keys)) == len(keys)
    assert not np.any(src == dst)
    assert src.min() >= 0 and dst.max() < graph.users
    # Repeats and self-follows removed: a little under the mean asked for.
    assert 0.85 * 200_000 < len(src) <= graph.expected_follows


def test_generated_in_degree_is_heavy_tailed() -> None:
    graph = GeneratedGraph(users=50_000, follows_per_user=20, seed=3)
    _, dst = _all_follows(graph)
    followers = np.bincount(dst, minlength=graph.users)
    median = float(np.median(followers))
    assert 5 <= median <= 30  # most users: about ten to a few tens of followers
    assert followers.max() > 100 * median
    # A few users hold a large share of everyone as followers.
    assert followers.max() > 0.1 * graph.users
    top_share = np.sort(followers)[-50:].sum() / followers.sum()
    assert top_share > 0.1  # the top 0.1% of users


@pytest.mark.parametrize("fans", [0, 1_234, 9_999])
def test_celebrity_gets_exactly_the_followers_asked_for(fans: int) -> None:
    graph = GeneratedGraph(
        users=10_000, follows_per_user=5, seed=2, celebrity=42, celebrity_followers=fans
    )
    src, dst = _all_follows(graph)
    assert int((dst == 42).sum()) == fans
    assert len(np.unique(src * graph.users + dst)) == len(src)
    assert not np.any(src == dst)


def test_generated_graph_rejects_impossible_parameters() -> None:
    with pytest.raises(ValueError):
        GeneratedGraph(users=100, follows_per_user=5, celebrity_followers=100)
    with pytest.raises(ValueError):
        GeneratedGraph(users=1, follows_per_user=5)
