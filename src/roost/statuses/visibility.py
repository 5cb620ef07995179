"""Who may see a status, decided for many statuses at once.

* public and unlisted: anyone (unlisted only stays off public timelines,
  which is the timelines' business, not a visibility rule);
* private (followers only): the author, their followers and the accounts
  mentioned in it. A follower is a ``follows`` row: a pending follow request
  to a locked account (``follow_requests``) never counts;
* direct: the author and the mentioned accounts.

On top of that a status is hidden when its author blocks the viewer or the
viewer blocks its author. A reblog is visible only when both the reblog and
the reblogged status are.

The viewer's side comes from the cache, so a warm read runs no SQL:

* follows and blocks between the viewer and each author from the viewer's
  relation summary (``rsum:{viewer}``, one entry whatever the authors, so
  an author the viewer never met costs no query; its generation is
  replaced by the relationships service after every committed follow,
  unfollow, block..., see ``roost.relationships.summary``), or per pair
  (``rel:{viewer}:{author}``) for a viewer whose graph is too big for one.
  Feeds pass the viewer's cached blocked-and-muted set instead, which
  holds every block, so only the authors of private statuses need a
  lookup there;
* the viewer's favourited / bookmarked / reblogged / pinned flags: for a
  viewer with at most ``MARKS_INDEX_LIMIT`` marks in all, every mark in one
  entry (``vmk:{viewer}``: a status missing from it has none), so a page
  of statuses the viewer never read before (another account's profile)
  costs no query; for the others per status (``vf:{viewer}:{status}``, one
  bitmask byte, absent marks cached too). Both are dropped by whoever
  commits a change to them (marks, reblogs, pins, deletion).

Misses cost one query each for relations and flags, whatever the number of
statuses, and are written back. The keys are read in the caller's cache
round trip (``StateNeeds.keys``) when the caller has others to make.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Iterable, Mapping, Set
from typing import TYPE_CHECKING, Any

import msgspec
import sqlalchemy as sa

from roost.db import schema
from roost.kernel.bytememo import ByteMemo
from roost.kernel.cachekeys import flags_key, flags_prefix, marks_key
from roost.relationships.store import load_links
from roost.relationships.summary import summary_keys
from roost.statuses.records import DIRECT, PRIVATE, StatusRecord

if TYPE_CHECKING:
    from roost.services import Services

# Short enough that the rare cache-aside race (a reader writing back what it
# read just before a mark was committed and its key dropped) heals quickly.
FLAGS_CACHE_TTL = 600
FAVOURITED, BOOKMARKED, REBLOGGED, PINNED = 1, 2, 4, 8
_MASKS = [bytes([m]) for m in range(16)]
# A viewer with more marks than this keeps them per status (vf:) only.
MARKS_INDEX_LIMIT = 1000
# The marks index of a viewer who has too many marks for one.
_TOO_MANY = b"\x00"
_marks_encoder = msgspec.msgpack.Encoder()
_marks_decoder = msgspec.msgpack.Decoder(list[tuple[int, int]])


def _decode_marks(raw: bytes) -> Mapping[int, int]:
    return dict(_marks_decoder.decode(raw))


# Marks indexes decoded in this process, by their cached bytes
# (kernel.bytememo: a new mark is a new index, so never stale); one per
# active reader, up to a thousand marks each.
_marks_memo = ByteMemo(_decode_marks, 4_096)


@dataclasses.dataclass(frozen=True, slots=True)
class ViewerState:
    """The viewer's relations to a set of authors and statuses."""

    viewer_id: int | None
    following: Set[int] = frozenset()
    blocked: Set[int] = frozenset()  # blocking or blocked by, either way hidden
    # Flags bitmask (FAVOURITED | BOOKMARKED | REBLOGGED) by status id.
    flags: Mapping[int, int] = dataclasses.field(default_factory=dict)

    def marks(self, status_id: int) -> int:
        return self.flags.get(status_id, 0)


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


@dataclasses.dataclass(frozen=True, slots=True)
class StateNeeds:
    """What the viewer state of a batch of statuses reads from the cache."""

    viewer_id: int
    authors: list[int]  # the other authors: blocks both ways, follows
    targets: list[int]  # statuses whose flags are shown (originals, not reblog wrappers)
    blocked: Set[int] | None  # every block both ways, when the caller knows them
    # The cache keys, built once: the viewer's ``summary_keys`` (when there
    # are authors), then the viewer's ``marks_key`` (when there are targets).
    # The per-status flags (``flag_keys``) are read only for a viewer whose
    # marks outgrew the index (a second round trip, for those viewers alone):
    # for everyone else the index answers, and twenty more keys per page
    # cost every read.
    keys: list[str]

    def flag_keys(self) -> list[str]:
        prefix = flags_prefix(self.viewer_id)
        return [prefix + str(t) for t in self.targets]


def state_needs(
    viewer_id: int | None,
    records: Iterable[StatusRecord],
    *,
    flags: bool = True,
    blocked: Set[int] | None = None,
) -> StateNeeds | None:
    """What the viewer's state of ``records`` needs from the cache; None when
    anonymous. ``blocked``: a set holding every account that blocks or is
    blocked by the viewer (more is fine: the caller drops their statuses
    anyway, e.g. the feeds' ``load_excluded_ids``); then a relationship is
    read only where a follow decides (private statuses)."""
    if viewer_id is None:
        return None
    authors: dict[int, None] = {}
    targets: dict[int, None] = {}
    for record in records:
        if flags:
            targets[record.id if record.reblog_of_id is None else record.reblog_of_id] = None
        author = record.account_id
        if author == viewer_id:
            continue
        if blocked is None or (record.visibility == PRIVATE and author not in blocked):
            authors[author] = None
    keys = summary_keys(viewer_id) if authors else []
    if targets:
        keys.append(marks_key(viewer_id))
    return StateNeeds(viewer_id, list(authors), list(targets), blocked, keys)


def _kind(code: int) -> sa.ColumnElement[int]:
    # Inlined literal: PostgreSQL cannot type a bare parameter in a UNION.
    return sa.literal_column(str(code), sa.Integer).label("kind")


def _flags_query() -> sa.CompoundSelect[int, int]:
    """The viewer's marks on a list of statuses; built once, with an
    expanding parameter, so a miss does not pay for building the statement."""
    fav, bm, s, pin = schema.favourites, schema.bookmarks, schema.statuses, schema.status_pins
    viewer: sa.BindParameter[int] = sa.bindparam("viewer")
    ids: sa.BindParameter[list[int]] = sa.bindparam("ids", expanding=True)
    return sa.union_all(
        sa.select(fav.c.status_id.label("ref"), _kind(FAVOURITED)).where(
            fav.c.account_id == viewer, fav.c.status_id.in_(ids)
        ),
        sa.select(bm.c.status_id.label("ref"), _kind(BOOKMARKED)).where(
            bm.c.account_id == viewer, bm.c.status_id.in_(ids)
        ),
        sa.select(s.c.reblog_of_id.label("ref"), _kind(REBLOGGED)).where(
            s.c.account_id == viewer, s.c.reblog_of_id.in_(ids)
        ),
        sa.select(pin.c.status_id.label("ref"), _kind(PINNED)).where(
            pin.c.account_id == viewer, pin.c.status_id.in_(ids)
        ),
    )


_FLAGS_QUERY = _flags_query()


async def _load_flags(
    services: Services, viewer_id: int, targets: Collection[int], cached: Mapping[int, bytes]
) -> dict[int, int]:
    flags: dict[int, int] = {}
    missing: list[int] = []
    for status_id in targets:
        raw = cached.get(status_id)
        if raw is None:
            missing.append(status_id)
        elif raw[0]:
            flags[status_id] = raw[0]
    if not missing:
        return flags
    fresh = dict.fromkeys(missing, 0)
    # Always the primary: a lagging replica's answer would be cached.
    async with services.db.read(primary=True) as conn:
        rows = await conn.execute(_FLAGS_QUERY, {"viewer": viewer_id, "ids": missing})
        for ref, code in rows:
            fresh[int(ref)] |= int(code)
    await services.cache.set_many(
        {flags_key(viewer_id, i): _MASKS[m] for i, m in fresh.items()}, ttl=FLAGS_CACHE_TTL
    )
    flags.update((i, m) for i, m in fresh.items() if m)
    return flags


def _marks_query() -> sa.Select[Any]:
    """Every mark of the viewer, at most one more than the index holds."""
    fav, bm, s, pin = schema.favourites, schema.bookmarks, schema.statuses, schema.status_pins
    viewer: sa.BindParameter[int] = sa.bindparam("viewer")
    union = sa.union_all(
        sa.select(fav.c.status_id.label("ref"), _kind(FAVOURITED)).where(
            fav.c.account_id == viewer
        ),
        sa.select(bm.c.status_id.label("ref"), _kind(BOOKMARKED)).where(bm.c.account_id == viewer),
        sa.select(s.c.reblog_of_id.label("ref"), _kind(REBLOGGED)).where(
            s.c.account_id == viewer, s.c.reblog_of_id.is_not(None)
        ),
        sa.select(pin.c.status_id.label("ref"), _kind(PINNED)).where(pin.c.account_id == viewer),
    ).subquery()
    return sa.select(union.c.ref, union.c.kind).limit(sa.bindparam("limit"))


_MARKS_QUERY = _marks_query()


async def _load_marks(
    services: Services, viewer_id: int, raw: bytes | None
) -> Mapping[int, int] | None:
    """The viewer's marks by status (from ``raw``, the cached index, or the
    database); None when the viewer has too many for the index."""
    if raw is None:
        async with services.db.read(primary=True) as conn:
            rows = (
                await conn.execute(
                    _MARKS_QUERY, {"viewer": viewer_id, "limit": MARKS_INDEX_LIMIT + 1}
                )
            ).all()
        marks: dict[int, int] = {}
        if len(rows) > MARKS_INDEX_LIMIT:
            raw = _TOO_MANY
        else:
            for row in rows:
                ref = int(row[0])
                marks[ref] = marks.get(ref, 0) | int(row[1])
            raw = _marks_encoder.encode(sorted(marks.items()))
        await services.cache.set_many({marks_key(viewer_id): raw}, ttl=FLAGS_CACHE_TTL)
        return None if raw == _TOO_MANY else marks
    if raw == _TOO_MANY:
        return None
    return _marks_memo(raw)


async def resolve_viewer_state(
    services: Services, needs: StateNeeds | None, cached: Mapping[str, bytes] | None = None
) -> ViewerState:
    """The viewer state from cache values already read (``needs.keys``), or
    read here (one round trip) when ``cached`` is None; misses from the
    database (at most one query for relations, one for flags)."""
    if needs is None:
        return ANONYMOUS
    known = frozenset() if needs.blocked is None else needs.blocked
    if not needs.keys:
        return ViewerState(viewer_id=needs.viewer_id, blocked=known)
    if cached is None:
        cached = await services.cache.get_many(needs.keys)
    viewer = needs.viewer_id
    following: frozenset[int] = frozenset()
    blocked: frozenset[int] = frozenset()
    if needs.authors:
        links = await load_links(services, viewer, needs.authors, cached=cached)
        following, blocked = links.following, links.blocked
    flags: dict[int, int] = {}
    if needs.targets:
        marks = await _load_marks(services, viewer, cached.get(marks_key(viewer)))
        if marks is not None:
            flags = {t: m for t in needs.targets if (m := marks.get(t, 0))}
        else:
            keys = needs.flag_keys()
            found = await services.cache.get_many(keys)
            flag_values = {
                t: v
                for t, k in zip(needs.targets, keys, strict=True)
                if (v := found.get(k)) is not None
            }
            flags = await _load_flags(services, viewer, needs.targets, flag_values)
    return ViewerState(
        viewer_id=viewer,
        following=following,
        blocked=known | blocked if blocked else known,
        flags=flags,
    )


async def load_viewer_state(
    services: Services,
    viewer_id: int | None,
    records: Iterable[StatusRecord],
    *,
    flags: bool = True,
) -> ViewerState:
    """Follows, blocks and (with ``flags``) favourite/bookmark/reblog marks of
    ``viewer_id`` for these statuses: one cache round trip, no SQL when warm."""
    return await resolve_viewer_state(services, state_needs(viewer_id, records, flags=flags))


async def visible_records(
    services: Services, records: Mapping[int, StatusRecord], viewer_id: int | None
) -> set[int]:
    """The ids among ``records`` the viewer may see (reblogged originals must be
    in ``records`` too)."""
    state = await load_viewer_state(services, viewer_id, records.values(), flags=False)
    return {i for i, r in records.items() if may_see_with_original(r, records, state)}


def no_flags_entry(viewer_id: int, status_id: int) -> dict[str, tuple[bytes, int]]:
    """The cache entry (for ``Cache.set_each``) saying that ``viewer_id`` has
    not marked ``status_id``: written right after the commit that created
    it, before its id reached anyone, so the author's reads of it need no
    query for its marks."""
    return {flags_key(viewer_id, status_id): (_MASKS[0], FLAGS_CACHE_TTL)}


async def forget_flags(services: Services, pairs: Iterable[tuple[int, int]]) -> None:
    """Drop cached flags of (viewer, status) pairs after a committed change to
    the viewer's favourite, bookmark or reblog of the status."""
    pairs = list(pairs)
    keys = [flags_key(viewer, status) for viewer, status in pairs]
    keys += [marks_key(viewer) for viewer in {viewer for viewer, _ in pairs}]
    if keys:
        await services.cache.delete(*keys)
