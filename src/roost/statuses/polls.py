"""Polls: what a poll is, its counts, a viewer's votes, and the Poll entity.

Three cache families, so that a warm page with polls reads no SQL:

- ``poll:<id>``: the poll itself (options, rules, end), changed only by
  deleting its status;
- ``pollcounts:<id>``: the votes per option and the voters, the SUM over
  the sharded ``poll_counters`` rows; dropped after each committed vote and
  kept a short while (the same model as ``statuses.counters``);
- ``pollvote:<viewer>:<id>``: the options a viewer chose (an empty list:
  has not voted), written after the viewer's vote commits.

Whether a poll has ended, and so whether hidden totals show, is decided at
rendering time from ``services.clock``.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import msgspec
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.db import schema
from roost.kernel.timefmt import format_datetime
from roost.statuses.entities import Poll, PollOption

if TYPE_CHECKING:
    from roost.services import Services

SHARDS = 16
VOTERS = -1  # the option number of the voters' counter
POLL_CACHE_TTL = 3600
COUNTS_CACHE_TTL = 60

_p, _v, _c = schema.polls, schema.poll_voters, schema.poll_counters


class PollRecord(msgspec.Struct, array_like=True, frozen=True):
    id: int
    account_id: int
    options: list[str]
    multiple: bool
    hide_totals: bool
    expires_at: datetime


class PollCounts(msgspec.Struct, array_like=True, frozen=True):
    options: list[int]
    voters: int


_record_decoder = msgspec.msgpack.Decoder(PollRecord)
_counts_decoder = msgspec.msgpack.Decoder(PollCounts)
_votes_decoder = msgspec.msgpack.Decoder(list[int])
_encode = msgspec.msgpack.encode


def poll_key(poll_id: int) -> str:
    return f"poll:{poll_id}"


def poll_counts_key(poll_id: int) -> str:
    return f"pollcounts:{poll_id}"


def poll_vote_key(viewer_id: int, poll_id: int) -> str:
    return f"pollvote:{viewer_id}:{poll_id}"


def now_of(services: Services) -> datetime:
    """The present on the services' clock (tests move it by hand)."""
    return datetime.fromtimestamp(services.clock(), UTC)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# -- writing ------------------------------------------------------------------


async def insert_poll(conn: AsyncConnection, record: PollRecord, created_at: datetime) -> None:
    """The poll row of a new status (the caller's transaction)."""
    await conn.execute(
        _p.insert().values(
            id=record.id,
            account_id=record.account_id,
            options=list(record.options),
            multiple=record.multiple,
            hide_totals=record.hide_totals,
            expires_at=record.expires_at,
            created_at=created_at,
        )
    )


def _upsert(dialect: str) -> Any:
    module: Any = postgresql if dialect == "postgresql" else sqlite
    insert = module.insert(_c).values(
        {name: sa.bindparam(name) for name in ("poll_id", "option", "shard", "votes")}
    )
    return insert.on_conflict_do_update(
        index_elements=[_c.c.poll_id, _c.c.option, _c.c.shard],
        set_={"votes": _c.c.votes + insert.excluded.votes},
    )


_UPSERTS = {name: _upsert(name) for name in ("postgresql", "sqlite")}


async def count_vote(conn: AsyncConnection, poll_id: int, choices: Sequence[int]) -> None:
    """Add one voter and one vote per chosen option, each to a random shard
    (the caller's transaction, after it recorded the voter)."""
    rows = [
        {"poll_id": poll_id, "option": option, "shard": random.randrange(SHARDS), "votes": 1}
        for option in sorted({VOTERS, *choices})
    ]
    await conn.execute(_UPSERTS[conn.dialect.name], rows)


async def count_vote_withdrawn(conn: AsyncConnection, poll_id: int, choices: Sequence[int]) -> None:
    """Take one voter and their votes back off the counts, each from a random
    shard (a shard may go negative, the sum cannot): the caller's
    transaction, after it deleted the voter's row."""
    rows = [
        {"poll_id": poll_id, "option": option, "shard": random.randrange(SHARDS), "votes": -1}
        for option in sorted({VOTERS, *choices})
    ]
    await conn.execute(_UPSERTS[conn.dialect.name], rows)


async def delete_polls(conn: AsyncConnection, poll_ids: list[int]) -> None:
    """With the statuses they belong to (the caller's transaction)."""
    if poll_ids:
        for table, column in ((_p, _p.c.id), (_v, _v.c.poll_id), (_c, _c.c.poll_id)):
            await conn.execute(table.delete().where(column.in_(poll_ids)))


async def forget_poll_counts(services: Services, poll_id: int) -> None:
    await services.cache.delete(poll_counts_key(poll_id))


async def forget_poll(services: Services, poll_id: int, voters: Sequence[int]) -> None:
    """After an edit changed or removed a poll: the poll, its counts and the
    cached votes of those whose votes went with it."""
    await services.cache.delete(
        poll_key(poll_id), poll_counts_key(poll_id), *(poll_vote_key(v, poll_id) for v in voters)
    )


async def remember_own_votes(
    services: Services, viewer_id: int, poll_id: int, choices: Sequence[int]
) -> None:
    await services.cache.set_many(
        {poll_vote_key(viewer_id, poll_id): _encode(list(choices))}, ttl=POLL_CACHE_TTL
    )


# -- reading ------------------------------------------------------------------


async def _fetch_records(services: Services, ids: list[int]) -> dict[int, PollRecord]:
    async with services.db.read(primary=True) as conn:
        rows = await conn.execute(
            sa.select(
                _p.c.id,
                _p.c.account_id,
                _p.c.options,
                _p.c.multiple,
                _p.c.hide_totals,
                _p.c.expires_at,
            ).where(_p.c.id.in_(ids))
        )
        return {
            int(r.id): PollRecord(
                int(r.id),
                int(r.account_id),
                [str(o) for o in r.options],
                bool(r.multiple),
                bool(r.hide_totals),
                _aware(r.expires_at),
            )
            for r in rows
        }


async def _fetch_counts(
    services: Services, records: Mapping[int, PollRecord]
) -> dict[int, PollCounts]:
    ids = sorted(records)
    sums: dict[tuple[int, int], int] = {}
    async with services.db.read(primary=True) as conn:
        rows = await conn.execute(
            sa.select(_c.c.poll_id, _c.c.option, sa.func.sum(_c.c.votes))
            .where(_c.c.poll_id.in_(ids))
            .group_by(_c.c.poll_id, _c.c.option)
        )
        for poll_id, option, votes in rows:
            sums[int(poll_id), int(option)] = max(0, int(votes))
    return {
        i: PollCounts(
            [sums.get((i, n), 0) for n in range(len(r.options))], sums.get((i, VOTERS), 0)
        )
        for i, r in records.items()
    }


async def _fetch_own_votes(
    services: Services, viewer_id: int, ids: list[int]
) -> dict[int, list[int]]:
    async with services.db.read(primary=True) as conn:
        rows = await conn.execute(
            sa.select(_v.c.poll_id, _v.c.choices).where(
                _v.c.account_id == viewer_id, _v.c.poll_id.in_(ids)
            )
        )
        found = {int(r.poll_id): [int(c) for c in r.choices] for r in rows}
    return {i: found.get(i, []) for i in ids}


class PollState(msgspec.Struct, frozen=True):
    record: PollRecord
    counts: PollCounts
    own_votes: list[int] | None  # None: no viewer


async def load_poll_states(
    services: Services, poll_ids: Iterable[int], *, viewer_id: int | None
) -> dict[int, PollState]:
    """The polls among ``poll_ids`` with their counts and the viewer's votes:
    one cache round trip, then one query per kind of miss."""
    ids = sorted(set(poll_ids))
    if not ids:
        return {}
    keys = [poll_key(i) for i in ids] + [poll_counts_key(i) for i in ids]
    if viewer_id is not None:
        keys += [poll_vote_key(viewer_id, i) for i in ids]
    cached = await services.cache.get_many(keys)
    records: dict[int, PollRecord] = {}
    for i in ids:
        raw = cached.get(poll_key(i))
        if raw is not None:
            records[i] = _record_decoder.decode(raw)
    missing = [i for i in ids if i not in records]
    if missing:
        fresh = await _fetch_records(services, missing)
        records.update(fresh)
        if fresh:
            await services.cache.set_many(
                {poll_key(i): _encode(r) for i, r in fresh.items()}, ttl=POLL_CACHE_TTL
            )
    counts: dict[int, PollCounts] = {}
    for i in records:
        raw = cached.get(poll_counts_key(i))
        if raw is not None:
            counts[i] = _counts_decoder.decode(raw)
    uncounted = {i: r for i, r in records.items() if i not in counts}
    if uncounted:
        fresh_counts = await _fetch_counts(services, uncounted)
        counts.update(fresh_counts)
        await services.cache.set_many(
            {poll_counts_key(i): _encode(c) for i, c in fresh_counts.items()},
            ttl=COUNTS_CACHE_TTL,
        )
    own: dict[int, list[int]] = {}
    if viewer_id is not None:
        for i in records:
            raw = cached.get(poll_vote_key(viewer_id, i))
            if raw is not None:
                own[i] = _votes_decoder.decode(raw)
        unknown = [i for i in records if i not in own]
        if unknown:
            fresh_own = await _fetch_own_votes(services, viewer_id, unknown)
            own.update(fresh_own)
            await services.cache.set_many(
                {poll_vote_key(viewer_id, i): _encode(v) for i, v in fresh_own.items()},
                ttl=POLL_CACHE_TTL,
            )
    return {
        i: PollState(r, counts[i], own.get(i) if viewer_id is not None else None)
        for i, r in records.items()
    }


def serialize_poll(state: PollState, now: datetime) -> Poll:
    """The Poll entity: counts hidden while ``hide_totals`` and running."""
    record, counts = state.record, state.counts
    expired = record.expires_at <= now
    hidden = record.hide_totals and not expired
    poll = Poll(
        id=str(record.id),
        expires_at=format_datetime(record.expires_at),
        expired=expired,
        multiple=record.multiple,
        votes_count=sum(counts.options),
        voters_count=counts.voters,
        options=[
            PollOption(title=title, votes_count=None if hidden else count)
            for title, count in zip(record.options, counts.options, strict=True)
        ],
        emojis=[],
    )
    if state.own_votes is not None:
        poll.voted = bool(state.own_votes)
        poll.own_votes = list(state.own_votes)
    return poll
