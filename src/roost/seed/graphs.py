"""Follow graphs to seed: the real socfb-Reed98 graph and a generated one.

A graph is a number of users (named ``username_<index>``) and a stream of
directed follows as chunks of two numpy arrays (follower index, followed
index). Streaming keeps a 50M-follow graph out of memory: only per-user
arrays (a few bytes per user) and one chunk at a time are held.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]

REED98 = "socfb-Reed98"


@dataclasses.dataclass(frozen=True, slots=True)
class FollowChunk:
    """Directed follows: ``followers[i]`` follows ``followees[i]`` (user indexes)."""

    followers: IntArray
    followees: IntArray

    def __len__(self) -> int:
        return len(self.followers)


class FollowGraph(Protocol):
    """What the loader needs from a graph."""

    @property
    def name(self) -> str: ...

    @property
    def users(self) -> int: ...

    @property
    def expected_follows(self) -> int:
        """Exact or estimated number of follows (for progress and sizing)."""
        ...

    def follow_chunks(self) -> Iterator[FollowChunk]:
        """Every follow exactly once, no self-follows, the same on every call."""
        ...


def username(index: int) -> str:
    return f"username_{index}"


# --------------------------------------------------------------------------
# socfb-Reed98


# Shipped with the package (see data/README.md for its source and citation),
# so that any clone or install can seed without a separate download.
DATA_DIR = Path(__file__).resolve().parent / "data"


def find_dataset_dir() -> Path:
    """The folder holding the packaged socfb-Reed98 edge list."""
    return DATA_DIR


@dataclasses.dataclass(frozen=True)
class EdgeListGraph:
    """An undirected edge list where every edge is a mutual follow."""

    name: str
    users: int
    edges: IntArray  # shape (n, 2), 0-based user indexes

    @property
    def expected_follows(self) -> int:
        return 2 * len(self.edges)

    def follow_chunks(self) -> Iterator[FollowChunk]:
        a, b = self.edges[:, 0], self.edges[:, 1]
        yield FollowChunk(np.concatenate([a, b]), np.concatenate([b, a]))


def read_reed98(path: Path | None = None) -> EdgeListGraph:
    """Read socfb-Reed98 (962 users, 18,812 friendships = 37,624 follows).

    ``path`` is a folder holding ``socfb-Reed98.edges`` or the ``.edges``
    file itself; by default the copy shipped with the package.
    """
    folder = path if path is not None else find_dataset_dir()
    edges_file = folder if folder.is_file() else folder / f"{REED98}.edges"
    if not edges_file.is_file():
        raise FileNotFoundError(f"no edge list at {edges_file}")
    edges = np.loadtxt(edges_file, dtype=np.int64, ndmin=2)
    if edges.shape[1] != 2:
        raise ValueError(f"{edges_file}: expected two columns per line")
    nodes_file = edges_file.with_suffix(".nodes")
    users = int(nodes_file.read_text().split()[0]) if nodes_file.is_file() else int(edges.max()) + 1
    if edges.min() < 0 or edges.max() >= users:
        raise ValueError(f"{edges_file}: user index outside 0..{users - 1}")
    if np.any(edges[:, 0] == edges[:, 1]):
        raise ValueError(f"{edges_file}: self-loop")
    # An undirected edge listed twice (either way round) would be one follow
    # pair inserted twice.
    pairs = np.sort(edges, axis=1)
    if len(np.unique(pairs[:, 0] * users + pairs[:, 1])) != len(edges):
        raise ValueError(f"{edges_file}: duplicate edge")
    return EdgeListGraph(name=REED98, users=users, edges=edges)


# --------------------------------------------------------------------------
# Generated heavy-tailed directed graph


@dataclasses.dataclass(frozen=True)
class GeneratedGraph:
    """A directed follow graph with a heavy-tailed in-degree, fixed by ``seed``.

    Every user follows a log-normally distributed number of others (mean
    ``follows_per_user``). Each follow goes, with probability
    ``uniform_share``, to a user drawn uniformly (so most users have about
    ``follows_per_user * uniform_share`` followers), otherwise to a user drawn
    from a Zipf law of exponent ``zipf_exponent`` over a shuffled popularity
    rank (so a few users are followed by a large share of everyone).
    ``celebrity_followers`` gives user ``celebrity`` exactly that many
    followers, in place of whatever the draw gave it.
    """

    users: int
    follows_per_user: float
    seed: int = 0
    zipf_exponent: float = 1.0
    uniform_share: float = 0.5
    out_degree_sigma: float = 1.0
    celebrity_followers: int | None = None
    celebrity: int = 0
    chunk_follows: int = 1_000_000

    def __post_init__(self) -> None:
        if self.users < 2:
            raise ValueError("a generated graph needs at least 2 users")
        if self.follows_per_user < 0:
            raise ValueError("follows_per_user must not be negative")
        if not 0.0 <= self.uniform_share <= 1.0:
            raise ValueError("uniform_share must be within 0..1")
        if self.celebrity_followers is not None:
            if not 0 <= self.celebrity < self.users:
                raise ValueError("celebrity must be a user index")
            if not 0 <= self.celebrity_followers <= self.users - 1:
                raise ValueError(f"celebrity_followers must be within 0..{self.users - 1}")

    @property
    def name(self) -> str:
        return f"generated-{self.users}u-{self.follows_per_user:g}f-seed{self.seed}"

    @property
    def expected_follows(self) -> int:
        return int(self.out_degrees().sum()) + (self.celebrity_followers or 0)

    def out_degrees(self) -> IntArray:
        """How many follows each user draws (before removing repeats)."""
        rng = np.random.default_rng([self.seed, 0])
        if self.follows_per_user == 0:
            return np.zeros(self.users, dtype=np.int64)
        sigma = self.out_degree_sigma
        # The log-normal's mean is exp(mu + sigma^2/2): pick mu to hit the mean.
        mu = math.log(self.follows_per_user) - sigma * sigma / 2
        raw = rng.lognormal(mu, sigma, self.users)
        return np.clip(np.rint(raw), 0, self.users - 1).astype(np.int64)

    def popularity_cdf(self) -> npt.NDArray[np.float64]:
        """Cumulative Zipf weights by user index (rank shuffled by the seed)."""
        rng = np.random.default_rng([self.seed, 1])
        ranks = rng.permutation(self.users).astype(np.float64) + 1.0
        weights = ranks ** (-self.zipf_exponent)
        cdf = np.cumsum(weights)
        cdf /= cdf[-1]
        return cdf

    def celebrity_mask(self) -> npt.NDArray[np.bool_] | None:
        """Which users follow the celebrity (exactly ``celebrity_followers``)."""
        if self.celebrity_followers is None:
            return None
        rng = np.random.default_rng([self.seed, 2])
        others = np.delete(np.arange(self.users, dtype=np.int64), self.celebrity)
        chosen = rng.choice(others, size=self.celebrity_followers, replace=False)
        mask = np.zeros(self.users, dtype=np.bool_)
        mask[chosen] = True
        return mask

    def follow_chunks(self) -> Iterator[FollowChunk]:
        degrees = self.out_degrees()
        cdf = self.popularity_cdf()
        mask = self.celebrity_mask()
        # Chunks hold whole users, so repeats of one follower's draws can be
        # removed inside the chunk; each chunk has its own random stream, so
        # the output does not depend on how far a consumer reads.
        ends = np.cumsum(degrees)
        start = 0
        while start < self.users:
            budget = (ends[start - 1] if start else 0) + self.chunk_follows
            stop = max(int(np.searchsorted(ends, budget, side="right")), start + 1)
            stop = min(stop, self.users)
            yield self._chunk(start, stop, degrees[start:stop], cdf, mask)
            start = stop

    def _chunk(
        self,
        start: int,
        stop: int,
        degrees: IntArray,
        cdf: npt.NDArray[np.float64],
        mask: npt.NDArray[np.bool_] | None,
    ) -> FollowChunk:
        rng = np.random.default_rng([self.seed, 3, start])
        total = int(degrees.sum())
        followers = np.repeat(np.arange(start, stop, dtype=np.int64), degrees)
        uniform = rng.random(total) < self.uniform_share
        followees = np.empty(total, dtype=np.int64)
        followees[uniform] = rng.integers(0, self.users, int(uniform.sum()), dtype=np.int64)
        # Searching sorted draws is several times faster (cache locality);
        # shuffling the result gives back independent draws.
        zipf_draws = np.sort(rng.random(total - int(uniform.sum())))
        picked = rng.permutation(np.searchsorted(cdf, zipf_draws, side="right"))
        followees[~uniform] = np.minimum(picked, self.users - 1)
        keep = followers != followees
        if mask is not None:
            keep &= followees != self.celebrity
        # Sorting by (follower, followee) drops repeats and gives the follows
        # table its primary-key order, which makes bulk inserts cheaper.
        keys = np.sort(followers[keep] * self.users + followees[keep])
        if len(keys):
            keys = keys[np.concatenate([[True], keys[1:] != keys[:-1]])]
        if mask is not None:
            fans = np.flatnonzero(mask[start:stop]).astype(np.int64) + start
            extra = fans * self.users + self.celebrity
            keys = np.sort(np.concatenate([keys, extra]))
        return FollowChunk(keys // self.users, keys % self.users)
