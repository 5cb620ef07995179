"""The outbox as Prometheus sees it, measured at scrape time from the jobs
table (one grouped query): how many jobs wait, by kind and state, and how
long the oldest due job has waited. A backlog that grows or ages means the
workers fall behind (or are gone); parked jobs wait for an operator
(docs/operations.md)."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from prometheus_client.core import GaugeMetricFamily, Metric

from roost.db import schema
from roost.db.engine import Database

_jobs = schema.jobs


def _aware(moment: datetime) -> datetime:
    # SQLite hands back naive UTC datetimes, PostgreSQL aware ones.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


async def outbox_metrics(db: Database, *, now: datetime | None = None) -> list[Metric]:
    now = now or datetime.now(UTC)
    due = sa.and_(_jobs.c.state == "pending", _jobs.c.run_after <= now)
    query = sa.select(
        _jobs.c.kind,
        _jobs.c.state,
        sa.case((due, "due"), else_=_jobs.c.state).label("bucket"),
        sa.func.count().label("n"),
        sa.func.min(sa.case((due, _jobs.c.run_after), else_=None)).label("oldest_due"),
    ).group_by(_jobs.c.kind, _jobs.c.state, "bucket")
    async with db.read(primary=True) as conn:
        rows = (await conn.execute(query)).all()
    jobs = GaugeMetricFamily(
        "roost_outbox_jobs",
        "Jobs in the outbox, by kind and state: due (pending and ready to run, running"
        " included), pending (waiting for a retry time), parked (gave up; for an operator).",
        labels=["kind", "state"],
    )
    age = GaugeMetricFamily(
        "roost_outbox_oldest_due_job_age_seconds",
        "How long the oldest due job has been ready to run (0 when none is due).",
    )
    oldest: datetime | None = None
    for row in rows:
        jobs.add_metric([row.kind, row.bucket], row.n)
        if row.oldest_due is not None:
            moment = _aware(row.oldest_due)
            oldest = moment if oldest is None else min(oldest, moment)
    age.add_metric([], max(0.0, (now - oldest).total_seconds()) if oldest else 0.0)
    return [jobs, age]
