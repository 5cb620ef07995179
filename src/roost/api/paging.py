"""Id-based pagination (max_id / since_id / min_id / limit) and Link headers."""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import parse_qsl, quote, urlencode

import msgspec
from starlette.requests import Request

from roost.kernel.errors import ValidationFailed
from roost.kernel.idtext import is_id_text
from roost.kernel.paging import Page


class PageQuery(msgspec.Struct, kw_only=True):
    max_id: str | None = None
    since_id: str | None = None
    min_id: str | None = None
    limit: int | None = None


def _parse_id(name: str, raw: str | None) -> int | None:
    if raw is None or raw == "":
        return None
    if not is_id_text(raw):
        raise ValidationFailed(f"{name} must be a numeric id")
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


def page_url_base(public_url: str, path: str) -> str:
    """The public address of ``path``: every segment percent-encoded, so nothing
    the client put in the path (a crafted tag name) can end the ``<...>`` of a
    Link entry or add parameters."""
    segments = "/".join(quote(segment, safe="") for segment in path.split("/"))
    return public_url.rstrip("/") + segments


def _link_base(public_url: str, path: str, query: bytes) -> str:
    """The address both links share: the public URL of ``path`` with the
    query's parameters other than the cursors, ending in ``?`` or ``&``."""
    pairs = parse_qsl(query.decode("latin-1"), keep_blank_values=True)
    kept = urlencode([(k, v) for k, v in pairs if k not in _CURSORS])
    # The decoded path from the scope: ``request.url`` would re-parse it and cut
    # it at a decoded "?" or "#".
    base = page_url_base(public_url, path) + "?"
    return base + kept + "&" if kept else base


# Link bases by (public URL, path, query without its cursor parameters):
# most pages of a kind share one (the same path and limit), so the parsing
# and quoting above run once per kind of page, not per request. Bounded;
# emptied when full.
_bases: dict[tuple[str, str, bytes], str] = {}
_BASES_LIMIT = 4_096
_CURSOR_PREFIXES = (b"max_id=", b"min_id=", b"since_id=")


def _without_cursors(query: bytes) -> bytes:
    """``query`` less its plainly written cursor parameters (the memo key: a
    cursor spelled otherwise, percent-encoded, stays in the key, and
    ``_link_base`` still drops it)."""
    if b"_id=" not in query:
        return query
    return b"&".join(p for p in query.split(b"&") if not p.startswith(_CURSOR_PREFIXES))


def link_header(request: Request, ids: Sequence[int]) -> dict[str, str]:
    """``Link`` with rel="next" first (toot matches it with a regex), then rel="prev".

    Built from the configured public URL, never from the ``Host`` header, which
    the client chooses."""
    if not ids:
        return {}
    scope = request.scope
    public_url: str = scope["app"].state.services.settings.public_url
    key = (public_url, scope["path"], _without_cursors(scope.get("query_string", b"")))
    base = _bases.get(key)
    if base is None:
        if len(_bases) >= _BASES_LIMIT:
            _bases.clear()
        # The other parameters are encoded once for both links (ids need no quoting).
        base = _bases[key] = _link_base(public_url, key[1], key[2])
    return {"Link": f'<{base}max_id={min(ids)}>; rel="next", <{base}min_id={max(ids)}>; rel="prev"'}
