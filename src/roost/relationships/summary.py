"""One cache entry per reader with everything of the graph around them
(``rsum:<viewer>``), so that any (reader, account) relation is answered
without a query, also for accounts the reader never looked at before.

Per-pair entries (``rel:<viewer>:<target>``, ``store.load_pair_states``)
cost a query the first time a reader meets an account: on another account's
profile, and for the authors of the statuses it reblogs. The summary holds,
for one reader: the accounts they follow (with the follow's options when
not the defaults), have asked to follow, are followed by, are asked by,
block, are blocked by, mute (whether notifications too; only mutes in
force, and the entry ends with the first of them), and endorse. It is
loaded in one statement of per-kind ``LIMIT``-ed selects; a kind with more
than ``SUMMARY_LIMIT`` rows is marked overflowed (None) and the questions
that need it fall back to the per-pair entries, as the marks index does.
Domain blocks are not in it: every account is local, so a blocked domain
hides nothing and no relation depends on one.

**Staleness.** A reader that loaded the summary from the database just
before a change committed could write the old summary back after the
change dropped it: with one entry per reader, any reader of any account
could. So every summary is stamped with the reader's generation
(``rgen:<viewer>``), which every committed change of the reader's graph
replaces with a new unique id (``forget_summaries``, called wherever the
per-pair entries are dropped, for both accounts of the pair). A reader
reads the generation with the summary and uses the summary only when they
match; on a miss it takes the generation it read (or sets a new one when
there is none) *before* its query. A summary written back from before a
change therefore carries a generation the change has replaced, and is
never used: no blocked or hidden status shows from a stale summary, and no
second drop (as the timeline jobs do for the per-pair entries) is needed.
A generation that expires or is evicted only costs a reload.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import msgspec
import sqlalchemy as sa

from roost.db import schema
from roost.kernel.bytememo import ByteMemo
from roost.kernel.cachekeys import relation_gen_key, relation_summary_key

if TYPE_CHECKING:
    from roost.services import Services

# Rows of one kind kept in a summary; past that the kind is overflowed and
# the per-pair entries answer what depends on it (a popular reader's
# followers, typically, which only the Relationship entity needs).
SUMMARY_LIMIT = 1000
SUMMARY_TTL = 3600
# Longer than a summary lives: a generation gone only costs a reload.
GEN_TTL = 4 * SUMMARY_TTL
_f, _b, _m, _r = schema.follows, schema.blocks, schema.mutes, schema.follow_requests
_e = schema.endorsements

# Row kinds of the summary query.
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

# The options of a follow or request: show_reblogs, notify, languages.
FollowSettings = tuple[bool, bool, list[str] | None]
DEFAULT_SETTINGS: FollowSettings = (True, False, None)


class RelationSummary(msgspec.Struct, array_like=True, frozen=True):
    """The reader's graph; a kind is None when it has too many rows."""

    gen: int
    following: frozenset[int] | None
    requested: frozenset[int] | None
    followed_by: frozenset[int] | None
    requested_by: frozenset[int] | None
    blocking: frozenset[int] | None
    blocked_by: frozenset[int] | None
    muting: dict[int, bool] | None  # muted account -> notifications hidden too
    endorsed: frozenset[int] | None
    # Follows and requests whose options are not ``DEFAULT_SETTINGS``.
    settings: dict[int, FollowSettings]

    @property
    def sees_follows_and_blocks(self) -> bool:
        """Whether visibility (follows, blocks both ways) can be decided here."""
        return not (self.following is None or self.blocking is None or self.blocked_by is None)

    @property
    def complete(self) -> bool:
        """Whether every kind is held (a whole Relationship can be answered)."""
        return self.sees_follows_and_blocks and not (
            self.requested is None
            or self.followed_by is None
            or self.requested_by is None
            or self.muting is None
            or self.endorsed is None
        )


_encoder = msgspec.msgpack.Encoder()
_decoder = msgspec.msgpack.Decoder(RelationSummary)
# Summaries decoded in this process, by their cached bytes (kernel.bytememo:
# a changed graph is a new summary, or a new generation that the summary's
# own no longer matches, checked on every read as before). Read-only.
_decode = ByteMemo(_decoder.decode, 4_096)


def summary_keys(viewer_id: int) -> list[str]:
    """The keys a reader of the summary reads, in one round trip with its own."""
    return [relation_summary_key(viewer_id), relation_gen_key(viewer_id)]


def _kind(code: int) -> sa.ColumnElement[int]:
    # Inlined literal: PostgreSQL cannot type a bare parameter in a UNION.
    return sa.literal_column(str(code), sa.Integer).label("kind")


def _summary_query(viewer_id: int) -> sa.CompoundSelect[Any]:
    """Every kind of the reader's graph, each cut at one more row than kept."""
    no = sa.false()
    none = sa.cast(sa.null(), sa.JSON)
    no_end = sa.cast(sa.null(), schema.TS)

    def part(kind: int, ref: Any, a: Any, b: Any, langs: Any, end: Any) -> Any:
        return [
            _kind(kind),
            ref.label("ref"),
            a.label("a"),
            b.label("b"),
            langs.label("langs"),
            end.label("ends"),
        ]

    selects = [
        sa.select(
            *part(
                _FOLLOWING,
                _f.c.target_account_id,
                _f.c.show_reblogs,
                _f.c.notify,
                _f.c.languages,
                no_end,
            )
        ).where(_f.c.account_id == viewer_id),
        sa.select(
            *part(
                _REQUESTED,
                _r.c.target_account_id,
                _r.c.show_reblogs,
                _r.c.notify,
                _r.c.languages,
                no_end,
            )
        ).where(_r.c.account_id == viewer_id),
        sa.select(
            *part(
                _MUTING,
                _m.c.target_account_id,
                _m.c.hide_notifications,
                no,
                none,
                _m.c.expires_at,
            )
        ).where(_m.c.account_id == viewer_id, schema.mute_in_force()),
    ]
    for kind, table, mine, other in (
        (_FOLLOWED_BY, _f, "target_account_id", "account_id"),
        (_BLOCKING, _b, "account_id", "target_account_id"),
        (_BLOCKED_BY, _b, "target_account_id", "account_id"),
        (_REQUESTED_BY, _r, "target_account_id", "account_id"),
        (_ENDORSED, _e, "account_id", "target_account_id"),
    ):
        selects.append(
            sa.select(*part(kind, table.c[other], no, no, none, no_end)).where(
                table.c[mine] == viewer_id
            )
        )
    limited = [s.limit(SUMMARY_LIMIT + 1).subquery() for s in selects]
    return sa.union_all(*(sa.select(*sub.c) for sub in limited))


def ttl_until(ends: Iterable[datetime | None], ttl: int) -> int | None:
    """Seconds until the first of these mute ends, when one comes within
    ``ttl``: an entry holding a mute must not outlive it (the
    ``mute_expired`` job drops it as well)."""
    moments = [e if e.tzinfo else e.replace(tzinfo=UTC) for e in ends if e is not None]
    if not moments:
        return None
    seconds = int((min(moments) - datetime.now(UTC)).total_seconds()) + 1
    return max(1, seconds) if seconds < ttl else None


def _build(gen: int, rows: list[Any]) -> RelationSummary:
    ids: dict[int, list[int]] = {k: [] for k in range(8)}
    muting: dict[int, bool] = {}
    settings: dict[int, FollowSettings] = {}
    for row in rows:
        kind, ref = int(row[0]), int(row[1])
        ids[kind].append(ref)
        if kind == _MUTING:
            muting[ref] = bool(row[2])
        elif kind in (_FOLLOWING, _REQUESTED):
            options = (bool(row[2]), bool(row[3]), row[4])
            if options != DEFAULT_SETTINGS:
                settings[ref] = options

    def kept(kind: int) -> frozenset[int] | None:
        return None if len(ids[kind]) > SUMMARY_LIMIT else frozenset(ids[kind])

    return RelationSummary(
        gen=gen,
        following=kept(_FOLLOWING),
        requested=kept(_REQUESTED),
        followed_by=kept(_FOLLOWED_BY),
        requested_by=kept(_REQUESTED_BY),
        blocking=kept(_BLOCKING),
        blocked_by=kept(_BLOCKED_BY),
        muting=None if len(muting) > SUMMARY_LIMIT else muting,
        endorsed=kept(_ENDORSED),
        settings=settings,
    )


async def load_summary(
    services: Services, viewer_id: int, cached: Mapping[str, bytes] | None = None
) -> RelationSummary:
    """The reader's summary: from ``cached`` (the values of ``summary_keys``
    the caller read, absent ones being misses) or one cache round trip, and
    from the database (one statement) when missing or of an old generation."""
    summary_key, gen_key = summary_keys(viewer_id)
    if cached is None:
        cached = await services.cache.get_many([summary_key, gen_key])
    raw_gen = cached.get(gen_key)
    raw = cached.get(summary_key)
    if raw is not None and raw_gen is not None:
        summary = _decode(raw)
        if summary.gen == int(raw_gen):
            return summary
    if raw_gen is None:
        # Set before the query: a change committed after it replaces it.
        gen = services.ids.next_id()
        await services.cache.set_many({gen_key: str(gen).encode()}, ttl=GEN_TTL)
    else:
        gen = int(raw_gen)
    # The primary: a lagging replica's answer would be cached.
    async with services.db.read(primary=True) as conn:
        rows = list((await conn.execute(_summary_query(viewer_id))).all())
    summary = _build(gen, rows)
    ttl = ttl_until((row[5] for row in rows if int(row[0]) == _MUTING), SUMMARY_TTL)
    await services.cache.set_many({summary_key: _encoder.encode(summary)}, ttl=ttl or SUMMARY_TTL)
    return summary


async def forget_summaries(services: Services, *viewer_ids: int) -> None:
    """After a committed change of these readers' graphs: give each a new
    generation, so that no summary loaded before the change is used again."""
    await services.cache.set_many(
        {relation_gen_key(v): str(services.ids.next_id()).encode() for v in set(viewer_ids)},
        ttl=GEN_TTL,
    )
