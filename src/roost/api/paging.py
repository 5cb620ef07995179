"""Id-based pagination (max_id / since_id / min_id / limit) and Link headers."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from urllib.parse import urlencode

import msgspec
from starlette.requests import Request

from roost.api.errors import ApiError


class PageQuery(msgspec.Struct, kw_only=True):
    max_id: str | None = None
    since_id: str | None = None
    min_id: str | None = None
    limit: int | None = None


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


def _parse_id(name: str, raw: str | None) -> int | None:
    if raw is None or raw == "":
        return None
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 19:
        raise ApiError(422, f"Validation failed: {name} must be a numeric id")
    # Ids are signed 64-bit in the database: a bound above every id means "no bound".
    return min(int(raw), (1 << 63) - 1)


def page_from(query: PageQuery, *, default: int = 20, maximum: int = 40) -> Page:
    limit = default if query.limit is None else max(1, min(query.limit, maximum))
    return Page(
        max_id=_parse_id("max_id", query.max_id),
        since_id=_parse_id("since_id", query.since_id),
        min_id=_parse_id("min_id", query.min_id),
        limit=limit,
    )


_CURSORS = frozenset({"max_id", "min_id", "since_id"})


def link_header(request: Request, ids: Sequence[int]) -> dict[str, str]:
    """``Link`` with rel="next" first (toot matches it with a regex), then rel="prev"."""
    if not ids:
        return {}
    kept = urlencode([(k, v) for k, v in request.query_params.multi_items() if k not in _CURSORS])
    # The other parameters are encoded once for both links (ids need no quoting).
    base = f"{request.url.replace(query='')}?"
    if kept:
        base += kept + "&"
    return {"Link": f'<{base}max_id={min(ids)}>; rel="next", <{base}min_id={max(ids)}>; rel="prev"'}
