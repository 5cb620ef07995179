"""The end of a mute with a duration.

Reads stop counting a mute at its ``expires_at`` (``schema.mute_in_force``);
this job, enqueued for that time by ``service.mute_account``, deletes the
row and does what an unmute does: drops the pair's cached views and brings a
followed account's statuses back into the home timeline. A mute renewed
since (a later end, or none) is left alone: its own job comes later.
"""

from __future__ import annotations

from datetime import UTC, datetime

from roost.db import schema
from roost.jobs.queue import enqueue
from roost.jobs.runner import Job, JobHandler
from roost.relationships.edges import (
    MUTE_EXPIRED,
    TIMELINE_FOLLOW,
    Outcome,
    after_commit,
    has_edge,
)

_m, _f = schema.mutes, schema.follows


async def end_mute(job: Job) -> None:
    services = job.services
    account_id = int(job.payload["account_id"])
    target_id = int(job.payload["target_account_id"])
    outcome = Outcome()
    async with services.db.write() as conn:
        removed = await conn.execute(
            _m.delete().where(
                _m.c.account_id == account_id,
                _m.c.target_account_id == target_id,
                _m.c.expires_at.is_not(None),
                _m.c.expires_at <= datetime.now(UTC),
            )
        )
        if removed.rowcount > 0:
            outcome.changed = True
            if await has_edge(conn, _f, account_id, target_id):
                await enqueue(
                    conn,
                    services.ids,
                    TIMELINE_FOLLOW,
                    {"account_id": account_id, "target_account_id": target_id},
                )
                outcome.jobs = True
    await after_commit(services, [(account_id, target_id)], outcome)


JOB_HANDLERS: dict[str, JobHandler] = {MUTE_EXPIRED: end_mute}
