"""Seeded statuses: how many each user posts, when, and their rows.

Every status gets a random slot in the posting window (a permutation of all
statuses), so each user's posts are scattered over the last days and the
ids stay unique and time-ordered across users.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import numpy as np
import numpy.typing as npt

from roost.seed.clock import IntArray, Window
from roost.seed.text import TextStyle, bench_contents, bench_texts, demo_post
from roost.statuses.content import MentionTarget, render_text


@dataclasses.dataclass(frozen=True, slots=True)
class PostPlan:
    """How many statuses each user has and in which slots of the window."""

    counts: IntArray  # statuses per user index
    slots: IntArray  # slot of every status, grouped by author in user order

    @classmethod
    def draw(cls, rng: np.random.Generator, users: int, low: int, high: int) -> PostPlan:
        if not 0 <= low <= high:
            raise ValueError("posts per user must be MIN..MAX with 0 <= MIN <= MAX")
        counts = rng.integers(low, high + 1, users, dtype=np.int64)
        return cls(counts=counts, slots=rng.permutation(int(counts.sum())).astype(np.int64))

    @property
    def total(self) -> int:
        return len(self.slots)

    def last_slots(self) -> IntArray:
        """Each user's newest slot, -1 for users without statuses."""
        last = np.full(len(self.counts), -1, dtype=np.int64)
        posting = np.flatnonzero(self.counts)
        if len(posting):
            starts = np.concatenate([[0], np.cumsum(self.counts)[:-1]])[posting]
            last[posting] = np.maximum.reduceat(self.slots, starts)
        return last

    def chunks(self, batch: int) -> Iterator[tuple[IntArray, IntArray]]:
        """(author indexes, slots) in batches of about ``batch`` statuses."""
        ends = np.cumsum(self.counts)
        start_user, done = 0, 0
        users = len(self.counts)
        while done < self.total:
            stop_user = max(int(np.searchsorted(ends, done + batch, side="right")), start_user + 1)
            stop_user = min(stop_user, users)
            stop = int(ends[stop_user - 1])
            authors = np.repeat(
                np.arange(start_user, stop_user, dtype=np.int64), self.counts[start_user:stop_user]
            )
            yield authors, self.slots[done:stop]
            start_user, done = stop_user, stop


@dataclasses.dataclass
class StatusRows:
    """One batch of statuses plus their mention and tag links."""

    statuses: dict[str, Any]
    mentions: dict[str, list[int]]
    tag_names: dict[str, list[Any]]  # {"status_id": [...], "name": [...]}


def build_status_rows(
    *,
    style: TextStyle,
    rng: np.random.Generator,
    authors: IntArray,
    slots: IntArray,
    window: Window,
    account_ids: IntArray,
    public_url: str,
    local_domain: str,
) -> StatusRows:
    ids = window.ids(slots)
    columns: dict[str, Any] = {
        "id": ids,
        "account_id": account_ids[authors],
        "visibility": np.zeros(len(ids), dtype=np.int16),
        "created_at": window.times(slots),
    }
    mentions: dict[str, list[int]] = {"status_id": [], "account_id": []}
    tags: dict[str, list[Any]] = {"status_id": [], "name": []}
    if style == "bench":
        texts = bench_texts(rng, len(ids))
        columns["text"] = texts
        columns["content"] = bench_contents(texts)
        return StatusRows(columns, mentions, tags)
    texts_out: list[str] = []
    contents: list[str] = []
    for status_id in ids.tolist():
        post = demo_post(rng, len(account_ids))
        targets = {
            f"username_{i}": MentionTarget(id=int(account_ids[i]), username=f"username_{i}")
            for i in post.mentioned
        }
        rendered = render_text(
            post.text, public_url=public_url, local_domain=local_domain, accounts=targets
        )
        texts_out.append(post.text)
        contents.append(rendered.html)
        for mentioned in rendered.mention_ids:
            mentions["status_id"].append(status_id)
            mentions["account_id"].append(mentioned)
        for name in rendered.tags:
            tags["status_id"].append(status_id)
            tags["name"].append(name)
    columns["text"] = texts_out
    columns["content"] = contents
    columns["language"] = ["en"] * len(ids)
    return StatusRows(columns, mentions, tags)


def newest_times(last_slots: IntArray, window: Window) -> npt.NDArray[np.datetime64]:
    """last_status_at from users' newest slots (NaT where they never posted)."""
    times = window.times(np.maximum(last_slots, 0))
    times[last_slots < 0] = np.datetime64("NaT")
    return times
