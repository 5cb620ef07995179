"""Voting in a poll, and showing one poll.

A vote is one transaction: the status share-locked (a deletion waits, or
came first and the vote is refused), the voter's row inserted with
``ON CONFLICT DO NOTHING`` (the primary key is the one-vote rule: of two
concurrent votes by one account exactly one inserts), then one counter
increment per chosen option and for the voters, each on a random shard.
Concurrent voters of a popular poll thus never wait on one row, and the
counts are exact sums.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa

from roost.db import schema
from roost.kernel.errors import NotFound, ValidationFailed
from roost.statuses.entities import Poll
from roost.statuses.polls import (
    count_vote,
    count_vote_withdrawn,
    forget_poll,
    forget_poll_counts,
    load_poll_states,
    now_of,
    remember_own_votes,
    serialize_poll,
)
from roost.statuses.targets import visible_target
from roost.statuses.writes import insert_ignore, lock_statuses

if TYPE_CHECKING:
    from roost.services import Services


async def show_poll(services: Services, poll_id: int, *, viewer_id: int | None) -> Poll:
    """A poll whose status the viewer may see; 404 otherwise."""
    status = await visible_target(services, poll_id, viewer_id=viewer_id, primary=False)
    if status.poll_id != poll_id:
        raise NotFound()
    states = await load_poll_states(services, [poll_id], viewer_id=viewer_id)
    if poll_id not in states:
        raise NotFound()
    return serialize_poll(states[poll_id], now_of(services))


def _choices(raw: Sequence[str | int], options: int, multiple: bool) -> list[int]:
    picked: list[int] = []
    for value in raw:
        try:
            number = int(str(value).strip())
        except ValueError:
            raise ValidationFailed("Choices must be option numbers") from None
        if not 0 <= number < options:
            raise ValidationFailed("Choices must be option numbers of this poll")
        if number not in picked:
            picked.append(number)
    if not picked:
        raise ValidationFailed("Choices can't be blank")
    if len(picked) > 1 and not multiple:
        raise ValidationFailed("This poll takes one choice")
    return sorted(picked)


async def vote(
    services: Services, *, poll_id: int, account_id: int, choices: Sequence[str | int]
) -> Poll:
    """Record ``account_id``'s one vote; answers the poll as the voter sees it."""
    status = await visible_target(services, poll_id, viewer_id=account_id)
    if status.poll_id != poll_id:
        raise NotFound()
    state = (await load_poll_states(services, [poll_id], viewer_id=None)).get(poll_id)
    if state is None:
        raise NotFound()
    record = state.record
    now = now_of(services)
    if record.expires_at <= now:
        raise ValidationFailed("The poll has already ended")
    picked = _choices(choices, len(record.options), record.multiple)
    v = schema.poll_voters
    async with services.db.write() as conn:
        if not await lock_statuses(conn, [poll_id]):
            raise NotFound()  # deleted meanwhile
        inserted = await conn.execute(
            insert_ignore(conn, v, ["poll_id", "account_id"])
            .values(
                poll_id=poll_id,
                account_id=account_id,
                choices=picked,
                created_at=datetime.now(UTC),
            )
            .returning(v.c.poll_id)
        )
        if inserted.first() is None:
            raise ValidationFailed("You have already voted on this poll")
        await count_vote(conn, poll_id, picked)
    await forget_poll_counts(services, poll_id)
    await remember_own_votes(services, account_id, poll_id, picked)
    states = await load_poll_states(services, [poll_id], viewer_id=account_id)
    # That read may have cached counts from before a concurrent vote's commit
    # (whose delete came first): every vote ends with a delete, so the last
    # cache operation of a burst of votes is one, and the next read is exact.
    await forget_poll_counts(services, poll_id)
    return serialize_poll(states[poll_id], now_of(services))


async def withdraw_votes_of_account(services: Services, *, account_id: int, limit: int) -> int:
    """Take back up to ``limit`` of an account's votes (the account is being
    deleted), with the counts of the polls they were in. How many went."""
    v = schema.poll_voters
    async with services.db.write() as conn:
        picked = await conn.execute(
            sa.select(v.c.poll_id)
            .where(v.c.account_id == account_id)
            .order_by(v.c.poll_id)
            .limit(limit)
        )
        wanted = [int(r[0]) for r in picked]
        if not wanted:
            return 0
        # The statuses first, as a vote does: a deletion of one waits, or
        # came first and took the votes with it.
        alive = await lock_statuses(conn, wanted)
        removed = await conn.execute(
            v.delete()
            .where(v.c.account_id == account_id, v.c.poll_id.in_(wanted))
            .returning(v.c.poll_id, v.c.choices)
        )
        for poll_id, choices in removed.all():
            if int(poll_id) in alive:
                await count_vote_withdrawn(conn, int(poll_id), [int(c) for c in choices])
    for poll_id in wanted:
        await forget_poll(services, poll_id, [account_id])
    return len(wanted)
