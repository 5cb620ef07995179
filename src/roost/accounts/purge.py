"""The ``purge_account`` job: removes a deleted account's data after
``roost.accounts.deletion`` hid it and revoked its tokens.

It runs its phases in order; each phase calls its step (one chunk of at
most ``CHUNK`` rows in one transaction, see ``purge_content``,
``purge_graph``, ``purge_owned``) until the step finds nothing left. The
phase is checkpointed in the job's payload before it starts and after each
chunk, which also renews the lease: a worker killed mid-way leaves the job
to the next worker (once the lease runs out, or on restart), which resumes
at the stored phase. Before the follows go, the job waits (ending, and
leaving a new job due a second later) until the ``unfanout_status`` jobs
of its statuses have run, since they reach the followers' timelines
through the follows. Every step deletes what it handled, so a chunk done
twice (the worker died between its commit and the checkpoint) finds its
rows gone and counts nothing twice: the job is idempotent as every job
must be, and finishing it leaves the row as a tombstone.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from roost.accounts import purge_content, purge_graph, purge_owned
from roost.accounts.deletion import PURGE_ACCOUNT
from roost.accounts.purge_content import WaitForJobs
from roost.accounts.purge_owned import Step
from roost.jobs.queue import enqueue
from roost.jobs.runner import Job, JobHandler

# Rows per chunk (per transaction).
CHUNK = 100
# How long a purge waiting for other jobs (the un-fan-out of its statuses)
# leaves before it looks again, in a new job.
WAIT = timedelta(seconds=1)

PHASES: tuple[tuple[str, Step], ...] = (
    ("forget", purge_owned.again),
    ("statuses", purge_content.statuses),
    ("unfanned", purge_content.unfanned),
    ("media", purge_content.media),
    ("favourites", purge_content.favourites),
    ("bookmarks", purge_content.bookmarks),
    ("poll_votes", purge_content.poll_votes),
    ("following", purge_graph.following),
    ("followers", purge_graph.followers),
    ("requested", purge_graph.requested),
    ("requested_by", purge_graph.requested_by),
    ("blocking", purge_graph.blocking),
    ("blocked_by", purge_graph.blocked_by),
    ("muting", purge_graph.muting),
    ("muted_by", purge_graph.muted_by),
    ("endorsing", purge_graph.endorsing),
    ("endorsed_by", purge_graph.endorsed_by),
    ("lists", purge_owned.lists),
    ("memberships", purge_owned.memberships),
    ("filters", purge_owned.filters),
    ("notifications", purge_owned.notifications),
    ("conversations", purge_owned.conversations),
    ("small_tables", purge_owned.small_tables),
    # A status its owner posted while the deletion committed.
    ("late_statuses", purge_content.statuses),
    ("tombstone", purge_owned.tombstone),
)
_NAMES = [name for name, _ in PHASES]


async def purge_account(job: Job) -> None:
    services = job.services
    account_id = int(job.payload["account_id"])
    stored = job.payload.get("phase")
    start = _NAMES.index(stored) if stored in _NAMES else 0
    for name, step in PHASES[start:]:
        if job.payload.get("phase") != name:
            await job.checkpoint(phase=name)
        try:
            while await step(services, account_id, CHUNK):
                await job.checkpoint(phase=name)
        except WaitForJobs:
            # Not a failure (no attempt spent, never parked): this job ends
            # and a new one, due after WAIT, resumes at this phase. A crash
            # before this job's row goes leaves both: they do the same.
            async with services.db.write() as conn:
                await enqueue(
                    conn,
                    services.ids,
                    PURGE_ACCOUNT,
                    {"account_id": account_id, "phase": name},
                    run_after=datetime.now(UTC) + WAIT,
                )
            services.jobs.notify()
            return


JOB_HANDLERS: dict[str, JobHandler] = {PURGE_ACCOUNT: purge_account}
