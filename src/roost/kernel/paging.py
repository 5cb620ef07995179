"""The bounds of one page of a newest-first listing (ids are time-ordered)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence


@dataclasses.dataclass(frozen=True, slots=True)
class Page:
    """Bounds of one page, newest first.

    ``max_id``: only ids below it. ``since_id``: only ids above it, newest
    first. ``min_id``: only ids above it, but the page right above it (the
    oldest ones), still returned newest first.
    """

    max_id: int | None = None
    since_id: int | None = None
    min_id: int | None = None
    limit: int = 20

    @property
    def lower(self) -> int | None:
        """The exclusive lower bound, whichever parameter set it."""
        if self.min_id is not None and self.since_id is not None:
            return max(self.min_id, self.since_id)
        return self.min_id if self.min_id is not None else self.since_id

    @property
    def ascending(self) -> bool:
        """True when the page must be taken from the bottom (min_id paging)."""
        return self.min_id is not None

    def admits(self, item_id: int) -> bool:
        lower = self.lower
        if lower is not None and item_id <= lower:
            return False
        return self.max_id is None or item_id < self.max_id

    def select(self, ids_newest_first: Sequence[int]) -> list[int]:
        """Apply the bounds and limit to a newest-first sequence of ids."""
        inside = [i for i in ids_newest_first if self.admits(i)]
        if self.ascending:
            return inside[-self.limit :]
        return inside[: self.limit]
