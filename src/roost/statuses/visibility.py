"""Who may see a status, decided for many statuses at once.

* public and unlisted: anyone (unlisted only stays off public timelines,
  which is the timelines' business, not a visibility rule);
* private (followers only): the author, their followers and the accounts
  mentioned in it;
* direct: the author and the mentioned accounts.

On top of that a status is hidden when its author blocks the viewer or the
viewer blocks its author. A reblog is visible only when both the reblog and
the reblogged status are.

Everything the viewer's side needs (follows and blocks among the authors,
and the viewer's favourited / reblogged / bookmarked flags) comes from ONE
UNION ALL query, so rendering a page costs the same whatever its length.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Iterable, Mapping
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.db import schema
from roost.statuses.records import DIRECT, PRIVATE, StatusRecord

if TYPE_CHECKING:
    from roost.services import Services

# Row kinds of the viewer-state query.
_FOLLOWING, _BLOCKING, _BLOCKED_BY, _FAVOURITED, _BOOKMARKED, _REBLOGGED = range(6)


@dataclasses.dataclass(frozen=True, slots=True)
class ViewerState:
    """The viewer's relations to a set of authors and statuses."""

    viewer_id: int | None
    following: frozenset[int] = frozenset()
    blocked: frozenset[int] = frozenset()  # blocking or blocked by, either way hidden
    favourited: frozenset[int] = frozenset()
    bookmarked: frozenset[int] = frozenset()
    reblogged: frozenset[int] = frozenset()


ANONYMOUS = ViewerState(viewer_id=None)


def may_see(record: StatusRecord, state: ViewerState) -> bool:
    """The visibility rule for one status (not its reblogged original)."""
    viewer = state.viewer_id
    if viewer is not None and record.account_id == viewer:
        return True
    if record.account_id in state.blocked:
        return False
    if record.visibility == DIRECT:
        return viewer is not None and viewer in record.mention_ids
    if record.visibility == PRIVATE:
        if viewer is None:
            return False
        return record.account_id in state.following or viewer in record.mention_ids
    return True


def may_see_with_original(
    record: StatusRecord, records: Mapping[int, StatusRecord], state: ViewerState
) -> bool:
    """``may_see`` for a status and, for a reblog, the status it reblogs."""
    if not may_see(record, state):
        return False
    if record.reblog_of_id is None:
        return True
    original = records.get(record.reblog_of_id)
    return original is not None and may_see(original, state)


def _state_query(
    viewer_id: int,
    author_ids: Collection[int],
    private_author_ids: Collection[int],
    status_ids: Collection[int],
) -> sa.CompoundSelect[int, int] | sa.Select[int, int] | None:
    b, f, s = schema.blocks, schema.follows, schema.statuses
    fav, bm = schema.favourites, schema.bookmarks

    def kind(code: int) -> sa.ColumnElement[int]:
        # Inlined literal: PostgreSQL cannot type a bare parameter in a UNION.
        return sa.literal_column(str(code), sa.Integer).label("kind")

    parts: list[sa.Select[int, int]] = []
    if author_ids:
        authors = list(author_ids)
        parts.append(
            sa.select(b.c.target_account_id.label("ref"), kind(_BLOCKING)).where(
                b.c.account_id == viewer_id, b.c.target_account_id.in_(authors)
            )
        )
        parts.append(
            sa.select(b.c.account_id.label("ref"), kind(_BLOCKED_BY)).where(
                b.c.target_account_id == viewer_id, b.c.account_id.in_(authors)
            )
        )
    if private_author_ids:
        parts.append(
            sa.select(f.c.target_account_id.label("ref"), kind(_FOLLOWING)).where(
                f.c.account_id == viewer_id, f.c.target_account_id.in_(list(private_author_ids))
            )
        )
    if status_ids:
        ids = list(status_ids)
        parts.append(
            sa.select(fav.c.status_id.label("ref"), kind(_FAVOURITED)).where(
                fav.c.account_id == viewer_id, fav.c.status_id.in_(ids)
            )
        )
        parts.append(
            sa.select(bm.c.status_id.label("ref"), kind(_BOOKMARKED)).where(
                bm.c.account_id == viewer_id, bm.c.status_id.in_(ids)
            )
        )
        parts.append(
            sa.select(s.c.reblog_of_id.label("ref"), kind(_REBLOGGED)).where(
                s.c.account_id == viewer_id, s.c.reblog_of_id.in_(ids)
            )
        )
    if not parts:
        return None
    if len(parts) == 1:
        return parts[0]
    return sa.union_all(*parts)


async def load_viewer_state(
    services: Services,
    viewer_id: int | None,
    records: Iterable[StatusRecord],
    *,
    flags: bool = True,
    conn: AsyncConnection | None = None,
    primary: bool = False,
) -> ViewerState:
    """Follows, blocks and (with ``flags``) favourite/bookmark/reblog marks of
    ``viewer_id`` for these statuses: at most one query, none when anonymous."""
    if viewer_id is None:
        return ANONYMOUS
    authors: set[int] = set()
    private_authors: set[int] = set()
    status_ids: set[int] = set()
    for record in records:
        status_ids.add(record.id)
        if record.account_id == viewer_id:
            continue
        authors.add(record.account_id)
        if record.visibility == PRIVATE:
            private_authors.add(record.account_id)
    query = _state_query(viewer_id, authors, private_authors, status_ids if flags else ())
    if query is None:
        return ViewerState(viewer_id=viewer_id)
    if conn is not None:
        rows = (await conn.execute(query)).all()
    else:
        async with services.db.read(primary=primary) as read_conn:
            rows = (await read_conn.execute(query)).all()
    found: dict[int, set[int]] = {k: set() for k in range(6)}
    for ref, code in rows:
        found[code].add(ref)
    return ViewerState(
        viewer_id=viewer_id,
        following=frozenset(found[_FOLLOWING]),
        blocked=frozenset(found[_BLOCKING] | found[_BLOCKED_BY]),
        favourited=frozenset(found[_FAVOURITED]),
        bookmarked=frozenset(found[_BOOKMARKED]),
        reblogged=frozenset(found[_REBLOGGED]),
    )


async def visible_records(
    services: Services,
    records: Mapping[int, StatusRecord],
    viewer_id: int | None,
    *,
    conn: AsyncConnection | None = None,
) -> set[int]:
    """The ids among ``records`` the viewer may see (reblogged originals must be
    in ``records`` too). At most one query."""
    state = await load_viewer_state(services, viewer_id, records.values(), flags=False, conn=conn)
    return {i for i, r in records.items() if may_see_with_original(r, records, state)}
