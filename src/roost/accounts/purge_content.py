"""Steps of ``purge_account`` for what a deleted account wrote and marked:
its statuses (through the status deletion path), its remaining uploads, its
favourites, bookmarks and poll votes.

Each step does at most ``limit`` rows in one transaction and answers
whether it did anything (the job calls it again until it does nothing).
Every step deletes what it handled, so running one twice finds less to do
and never counts anything twice.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa

from roost.db import schema
from roost.media.attach import release_media_of_account
from roost.statuses.deletion import REF_COLUMNS, Removed, StatusRef, remove_statuses
from roost.statuses.marks import drop_marks_of_account
from roost.statuses.pollvotes import withdraw_votes_of_account

if TYPE_CHECKING:
    from roost.services import Services

_s = schema.statuses
UNFANOUT = "unfanout_status"  # statuses.deletion's job kind


class WaitForJobs(Exception):
    """A step cannot go on before other jobs have run: the purge continues
    in a new job, due a little later."""


async def unfanned(services: Services, account_id: int, limit: int) -> bool:
    """Wait until the ``unfanout_status`` jobs of its statuses have run: they
    find the followers' home and list timelines through the follows, which
    the next phases remove."""
    j = schema.jobs
    author = sa.cast(j.c.payload["author_id"].as_string(), sa.BigInteger)
    async with services.db.read(primary=True) as conn:
        waiting = await conn.execute(
            sa.select(j.c.id)
            .where(j.c.kind == UNFANOUT, j.c.state == "pending", author == account_id)
            .limit(1)
        )
        if waiting.first() is not None:
            raise WaitForJobs(f"un-fan-out of account {account_id}'s statuses still pending")
    return False


async def statuses(services: Services, account_id: int, limit: int) -> bool:
    """The account's statuses, oldest first, as its owner deleting them one
    by one would: the other accounts' reblogs of them go first (a chunk at a
    time, so a much reblogged status is no huge transaction), then the
    statuses, each with what hangs off it, the counters it moved and its
    ``unfanout_status`` job (home, list, public, hashtag and authored
    timelines, search, notifications)."""
    async with services.db.write() as conn:
        own = [
            StatusRef(*row)
            for row in await conn.execute(
                sa.select(*REF_COLUMNS)
                .where(_s.c.account_id == account_id)
                .order_by(_s.c.id)
                .limit(limit)
            )
        ]
        if not own:
            return False
        reblogs = [
            StatusRef(*row)
            for row in await conn.execute(
                sa.select(*REF_COLUMNS)
                .where(_s.c.reblog_of_id.in_([r.id for r in own]))
                .order_by(_s.c.id)
                .limit(limit)
            )
        ]
        removed: Removed = await remove_statuses(conn, services, reblogs or own)
    await removed.forget(services)
    return True


async def media(services: Services, account_id: int, limit: int) -> bool:
    """Uploads never attached (the attachments of its statuses went with
    them); the files go by ``delete_blobs`` jobs."""
    async with services.db.write() as conn:
        count = await release_media_of_account(conn, services.ids, account_id, limit=limit)
    if count:
        services.jobs.notify()
    return count > 0


async def favourites(services: Services, account_id: int, limit: int) -> bool:
    """With the favourites counters of the statuses they counted on."""
    return (
        await drop_marks_of_account(services, schema.favourites, account_id=account_id, limit=limit)
        > 0
    )


async def bookmarks(services: Services, account_id: int, limit: int) -> bool:
    return (
        await drop_marks_of_account(services, schema.bookmarks, account_id=account_id, limit=limit)
        > 0
    )


async def poll_votes(services: Services, account_id: int, limit: int) -> bool:
    """With the counts of the polls they were in."""
    return await withdraw_votes_of_account(services, account_id=account_id, limit=limit) > 0
