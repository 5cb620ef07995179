"""Cached reads of the follow/block/mute graph (and of the pending follow
requests of locked accounts) as the viewer sees it.

The cached shapes, all dropped explicitly after a committed change:

* ``rsum:{viewer}``: the viewer's whole graph in one entry (see
  ``roost.relationships.summary``), which answers any (viewer, target)
  relation, also for accounts the viewer never met, without a query. It is
  what ``load_pair_states`` and ``load_links`` read first;
* ``rel:{viewer}:{target}``: the flags of one Relationship entity, for the
  viewers whose summary overflowed (too many followers, say), so a
  relationships request for any number of ids is one cache round trip plus
  one UNION query for the misses. It holds ``requested``/``requested_by``
  too, so creating, withdrawing, authorizing or rejecting a follow request
  drops it like any other change of the pair;
* ``relx:{viewer}``: every account whose statuses the viewer must not see in
  feeds (accounts the viewer blocks or mutes and accounts blocking the
  viewer), read on every home timeline page;
* ``hotf:{viewer}``: the hot accounts the viewer follows, whose statuses
  are merged into the home timeline at read time instead of being fanned
  out (see roost.timelines.hot). Accounts with half the threshold are
  included already: merging the statuses of an account that is still fanned
  out is harmless (ids are deduplicated), and so an account that becomes
  hot is already in every follower's cached set, however stale.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

import msgspec
import sqlalchemy as sa

from roost.db import schema
from roost.filters.store import FilterRecord, decode_filters, load_filters
from roost.kernel.cachekeys import (
    excluded_key,
    exclusive_members_key,
    filters_key,
    hot_follows_key,
    pair_key,
    relation_summary_key,
)
from roost.lists.store import decode_exclusive_members, load_exclusive_members
from roost.relationships.entities import Relationship
from roost.relationships.summary import (
    DEFAULT_SETTINGS,
    RelationSummary,
    forget_summaries,
    load_summary,
    ttl_until,
)

if TYPE_CHECKING:
    from roost.services import Services

RELATIONSHIP_CACHE_TTL = 3600
HOT_FOLLOWS_TTL = 300
_f, _b, _m, _r = schema.follows, schema.blocks, schema.mutes, schema.follow_requests

# Row kinds of the UNION query below.
(
    _FOLLOWING,
    _FOLLOWED_BY,
    _BLOCKING,
    _BLOCKED_BY,
    _MUTING,
    _REQUESTED,
    _REQUESTED_BY,
    _ENDORSED,
) = range(8)


class PairState(msgspec.Struct, array_like=True):
    """The viewer -> target flags, compact for the cache."""

    following: bool = False
    showing_reblogs: bool = False
    notifying: bool = False
    followed_by: bool = False
    blocking: bool = False
    blocked_by: bool = False
    muting: bool = False
    muting_notifications: bool = False
    # A pending follow request, either way (locked accounts). New fields go
    # last: entries cached before they existed still decode (as False).
    requested: bool = False
    requested_by: bool = False
    # The languages the follow (or request) asks for; None: all.
    languages: list[str] | None = None
    endorsed: bool = False


_pair_decoder = msgspec.msgpack.Decoder(PairState)
_ids_decoder = msgspec.msgpack.Decoder(list[int])
_flags_decoder = msgspec.msgpack.Decoder(dict[int, bool])
_encoder = msgspec.msgpack.Encoder()


def _kind(code: int) -> sa.ColumnElement[int]:
    return sa.literal_column(str(code), sa.Integer).label("kind")


def _pair_query(viewer_id: int, targets: Sequence[int]) -> sa.CompoundSelect[Any]:
    """Everything between the viewer and ``targets`` in one statement."""
    no = sa.false()
    none = sa.null()
    no_end = sa.cast(sa.null(), schema.TS)
    _e = schema.endorsements
    return sa.union_all(
        sa.select(
            _kind(_FOLLOWING),
            _f.c.target_account_id,
            _f.c.show_reblogs,
            _f.c.notify,
            _f.c.languages,
            no_end,
        ).where(_f.c.account_id == viewer_id, _f.c.target_account_id.in_(targets)),
        sa.select(_kind(_FOLLOWED_BY), _f.c.account_id, no, no, none, no_end).where(
            _f.c.target_account_id == viewer_id, _f.c.account_id.in_(targets)
        ),
        sa.select(_kind(_BLOCKING), _b.c.target_account_id, no, no, none, no_end).where(
            _b.c.account_id == viewer_id, _b.c.target_account_id.in_(targets)
        ),
        sa.select(_kind(_BLOCKED_BY), _b.c.account_id, no, no, none, no_end).where(
            _b.c.target_account_id == viewer_id, _b.c.account_id.in_(targets)
        ),
        sa.select(
            _kind(_MUTING),
            _m.c.target_account_id,
            _m.c.hide_notifications,
            no,
            none,
            _m.c.expires_at,
        ).where(
            _m.c.account_id == viewer_id,
            _m.c.target_account_id.in_(targets),
            schema.mute_in_force(),
        ),
        sa.select(
            _kind(_REQUESTED),
            _r.c.target_account_id,
            _r.c.show_reblogs,
            _r.c.notify,
            _r.c.languages,
            no_end,
        ).where(_r.c.account_id == viewer_id, _r.c.target_account_id.in_(targets)),
        sa.select(_kind(_REQUESTED_BY), _r.c.account_id, no, no, none, no_end).where(
            _r.c.target_account_id == viewer_id, _r.c.account_id.in_(targets)
        ),
        sa.select(_kind(_ENDORSED), _e.c.target_account_id, no, no, none, no_end).where(
            _e.c.account_id == viewer_id, _e.c.target_account_id.in_(targets)
        ),
    )


def _apply(
    state: PairState, kind: int, flag_a: bool, flag_b: bool, languages: list[str] | None
) -> None:
    if kind == _FOLLOWING:
        state.following = True
        state.showing_reblogs = bool(flag_a)
        state.notifying = bool(flag_b)
        state.languages = languages
    elif kind == _FOLLOWED_BY:
        state.followed_by = True
    elif kind == _BLOCKING:
        state.blocking = True
    elif kind == _BLOCKED_BY:
        state.blocked_by = True
    elif kind == _REQUESTED:
        state.requested = True
        # A request shows the options the follow will have (as Mastodon);
        # a follow and a request of the same pair never coexist.
        state.showing_reblogs = bool(flag_a)
        state.notifying = bool(flag_b)
        state.languages = languages
    elif kind == _REQUESTED_BY:
        state.requested_by = True
    elif kind == _ENDORSED:
        state.endorsed = True
    else:
        state.muting = True
        state.muting_notifications = bool(flag_a)


def summary_state(summary: RelationSummary, target_id: int) -> PairState:
    """The flags of one pair from a ``complete`` summary."""
    assert summary.following is not None and summary.requested is not None
    assert summary.followed_by is not None and summary.requested_by is not None
    assert summary.blocking is not None and summary.blocked_by is not None
    assert summary.muting is not None and summary.endorsed is not None
    following = target_id in summary.following
    requested = target_id in summary.requested
    reblogs, notify, languages = (
        summary.settings.get(target_id, DEFAULT_SETTINGS)
        if following or requested
        else (False, False, None)
    )
    mute = summary.muting.get(target_id)
    return PairState(
        following=following,
        showing_reblogs=reblogs,
        notifying=notify,
        followed_by=target_id in summary.followed_by,
        blocking=target_id in summary.blocking,
        blocked_by=target_id in summary.blocked_by,
        muting=mute is not None,
        muting_notifications=bool(mute),
        requested=requested,
        requested_by=target_id in summary.requested_by,
        languages=languages,
        endorsed=target_id in summary.endorsed,
    )


async def load_pair_states(
    services: Services,
    viewer_id: int,
    target_ids: Iterable[int],
    *,
    cached: Mapping[str, bytes] | None = None,
) -> dict[int, PairState]:
    """Viewer -> target flags for every target: from the viewer's summary
    (one cache round trip, no SQL when warm, one statement on a miss
    whatever the targets), or per pair when the summary overflowed.

    ``cached``: the values of ``summary_keys(viewer_id)`` the caller read
    along with other keys (absent: not in the cache); then this makes no
    round trip of its own for the summary."""
    wanted = list(dict.fromkeys(target_ids))
    if not wanted:
        return {}
    summary = await load_summary(services, viewer_id, cached)
    if summary.complete:
        return {t: summary_state(summary, t) for t in wanted}
    return await load_pair_keys(services, viewer_id, wanted)


@dataclasses.dataclass(frozen=True, slots=True)
class Links:
    """What visibility needs of the viewer's relations with some accounts:
    which of them the viewer follows, blocks, and is blocked by."""

    following: frozenset[int]
    blocking: frozenset[int]
    blocked_by: frozenset[int]

    @property
    def blocked(self) -> frozenset[int]:
        """Blocked either way: their statuses are hidden from the viewer."""
        return self.blocking | self.blocked_by


async def load_links(
    services: Services,
    viewer_id: int,
    target_ids: Iterable[int],
    *,
    cached: Mapping[str, bytes] | None = None,
) -> Links:
    """Follows and blocks between the viewer and ``target_ids``, from the
    summary when it holds them (a viewer with many followers still has
    them), else per pair. ``cached`` as for ``load_pair_states``."""
    wanted = frozenset(target_ids)
    if not wanted:
        return Links(frozenset(), frozenset(), frozenset())
    summary = await load_summary(services, viewer_id, cached)
    if summary.sees_follows_and_blocks:
        assert summary.following is not None
        assert summary.blocking is not None and summary.blocked_by is not None
        return Links(
            wanted & summary.following, wanted & summary.blocking, wanted & summary.blocked_by
        )
    states = await load_pair_keys(services, viewer_id, wanted)
    return Links(
        frozenset(t for t, s in states.items() if s.following),
        frozenset(t for t, s in states.items() if s.blocking),
        frozenset(t for t, s in states.items() if s.blocked_by),
    )


async def load_pair_keys(
    services: Services, viewer_id: int, target_ids: Iterable[int]
) -> dict[int, PairState]:
    """Viewer -> target flags from the per-pair entries: one cache round
    trip, at most one query (the viewers whose summary overflowed)."""
    wanted = list(dict.fromkeys(target_ids))
    if not wanted:
        return {}
    found: dict[int, PairState] = {}
    keys = [pair_key(viewer_id, t) for t in wanted]
    hits = await services.cache.get_many(keys)
    for target, key in zip(wanted, keys, strict=True):
        raw = hits.get(key)
        if raw is not None:
            found[target] = _pair_decoder.decode(raw)
    missing = [t for t in wanted if t not in found]
    if missing:
        fresh = {t: PairState() for t in missing}
        # Read-your-own-writes: a client follows, then asks at once.
        async with services.db.read(primary=True) as conn:
            rows = (await conn.execute(_pair_query(viewer_id, missing))).all()
        for row in rows:
            _apply(fresh[int(row[1])], int(row[0]), bool(row[2]), bool(row[3]), row[4])
        ttl = _ttl_until(row[5] for row in rows)
        found.update(fresh)
        await services.cache.set_many(
            {pair_key(viewer_id, t): _encoder.encode(s) for t, s in fresh.items()},
            ttl=ttl or RELATIONSHIP_CACHE_TTL,
        )
    return found


async def load_pair_state(services: Services, viewer_id: int, target_id: int) -> PairState:
    return (await load_pair_states(services, viewer_id, [target_id]))[target_id]


def _ttl_until(ends: Iterable[datetime | None]) -> int | None:
    """See ``summary.ttl_until``: an entry holding a mute must not outlive it."""
    return ttl_until(ends, RELATIONSHIP_CACHE_TTL)


def relationship_entity(target_id: int, state: PairState) -> Relationship:
    return Relationship(
        id=str(target_id),
        following=state.following,
        showing_reblogs=state.showing_reblogs,
        notifying=state.notifying,
        followed_by=state.followed_by,
        blocking=state.blocking,
        blocked_by=state.blocked_by,
        muting=state.muting,
        muting_notifications=state.muting_notifications,
        requested=state.requested,
        requested_by=state.requested_by,
        endorsed=state.endorsed,
        languages=state.languages,
    )


@dataclasses.dataclass(frozen=True, slots=True)
class FeedFilters:
    """What a viewer's home timeline needs to know about the viewer's graph."""

    excluded: frozenset[int]  # see load_excluded_ids
    hot: dict[int, bool]  # see load_hot_follows
    # Members of the viewer's exclusive lists: kept out of the home timeline.
    exclusive: frozenset[int] = frozenset()
    # The viewer's filters (roost.filters), applied when the page is rendered.
    filters: list[FilterRecord] = dataclasses.field(default_factory=list)


def feed_filter_keys(viewer_id: int) -> list[str]:
    """The cache keys ``load_feed_filters`` reads (a caller may read them in
    its own round trip and pass the values)."""
    return [
        excluded_key(viewer_id),
        hot_follows_key(viewer_id),
        exclusive_members_key(viewer_id),
        filters_key(viewer_id),
    ]


async def load_feed_filters(
    services: Services, viewer_id: int, *, cached: Mapping[str, bytes] | None = None
) -> FeedFilters:
    """``load_excluded_ids``, ``load_hot_follows``, the members of the
    viewer's exclusive lists and the viewer's filters in one cache round trip
    (all are read on every home timeline page); none when the caller read
    ``feed_filter_keys`` already (``cached``: what it found)."""
    keys = feed_filter_keys(viewer_id)
    hits = await services.cache.get_many(keys) if cached is None else cached
    raw_excluded, raw_hot, raw_exclusive, raw_filters = (hits.get(k) for k in keys)
    return FeedFilters(
        filters=decode_filters(raw_filters)
        if raw_filters is not None
        else await load_filters(services, viewer_id),
        exclusive=decode_exclusive_members(raw_exclusive)
        if raw_exclusive is not None
        else await load_exclusive_members(services, viewer_id),
        excluded=frozenset(_ids_decoder.decode(raw_excluded))
        if raw_excluded is not None
        else await load_excluded_ids(services, viewer_id),
        hot=_flags_decoder.decode(raw_hot)
        if raw_hot is not None
        else await load_hot_follows(services, viewer_id),
    )


async def load_excluded_ids(
    services: Services, viewer_id: int, *, cached: Mapping[str, bytes] | None = None
) -> frozenset[int]:
    """Accounts the viewer blocks or mutes, or who block the viewer (cached;
    ``cached``: what the caller read of ``excluded_key`` along with its own
    keys, absent being a miss; then no round trip of its own)."""
    key = excluded_key(viewer_id)
    if cached is None:
        cached = await services.cache.get_many([key])
    raw = cached.get(key)
    if raw is not None:
        return frozenset(_ids_decoder.decode(raw))
    no_end = sa.cast(sa.null(), schema.TS)
    query = sa.union_all(
        sa.select(_b.c.target_account_id, no_end).where(_b.c.account_id == viewer_id),
        sa.select(_m.c.target_account_id, _m.c.expires_at).where(
            _m.c.account_id == viewer_id, schema.mute_in_force()
        ),
        sa.select(_b.c.account_id, no_end).where(_b.c.target_account_id == viewer_id),
    )
    async with services.db.read(primary=True) as conn:
        rows = (await conn.execute(query)).all()
    ids = list(dict.fromkeys(int(r[0]) for r in rows))
    ttl = _ttl_until(r[1] for r in rows)
    await services.cache.set_many({key: _encoder.encode(ids)}, ttl=ttl or RELATIONSHIP_CACHE_TTL)
    return frozenset(ids)


async def load_hot_follows(services: Services, viewer_id: int) -> dict[int, bool]:
    """Hot (or nearly hot) accounts the viewer follows, with the follow's
    show_reblogs flag (cached)."""
    key = hot_follows_key(viewer_id)
    raw = (await services.cache.get_many([key])).get(key)
    if raw is not None:
        return _flags_decoder.decode(raw)
    a = schema.accounts
    query = (
        sa.select(_f.c.target_account_id, _f.c.show_reblogs)
        .join(a, a.c.id == _f.c.target_account_id)
        .where(
            _f.c.account_id == viewer_id,
            a.c.followers_count >= max(1, services.settings.hot_user_threshold // 2),
        )
    )
    async with services.db.read(primary=True) as conn:
        found = {int(r[0]): bool(r[1]) for r in (await conn.execute(query)).all()}
    await services.cache.set_many({key: _encoder.encode(found)}, ttl=HOT_FOLLOWS_TTL)
    return found


async def forget_relationships(services: Services, account_id: int, target_id: int) -> None:
    """Drop every cached view of the pair after a committed change between
    them (both summaries: a block, a follow... changes the other side's too)."""
    await forget_summaries(services, account_id, target_id)
    await services.cache.delete(
        relation_summary_key(account_id),
        relation_summary_key(target_id),
        pair_key(account_id, target_id),
        pair_key(target_id, account_id),
        excluded_key(account_id),
        excluded_key(target_id),
        hot_follows_key(account_id),
        hot_follows_key(target_id),
    )
