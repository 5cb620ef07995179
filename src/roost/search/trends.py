"""Trends: hashtags and statuses, scored by a periodic job, read by the API.

Tags. ``tag_uses`` has one row per (tag, hour, account) of public
statuses, so counting rows counts distinct accounts: one account posting a
tag a thousand times is one use. Each run compares every recently used
tag's accounts in the last ``RECENT_HOURS`` hours (newest hour weighs most)
with that tag's own baseline, its mean accounts per hour over the week
before, and scores the excess the way Mastodon does: (observed -
expected)^2 / expected. A tag used steadily by many scores nothing; a burst
scores high. Scores then decay (half-life ``HALF_LIFE_HOURS``): a tag keeps
the higher of its new score and its decayed old one, so it fades over hours
instead of dropping out.

Statuses. Public, not sensitive, original statuses of the last
``STATUS_WINDOW`` score by the distinct accounts that favourited, reblogged
or replied to them (the author excluded), decayed by age; at most
``PER_AUTHOR`` per author.

The job runs every ``INTERVAL`` seconds in whichever worker claims it (in
process on the embedded default, ``roost worker`` at scale); it writes the
results to ``trending_tags`` and ``trending_statuses``, which the API reads.
Posting only adds a row per tag to ``tag_uses`` in its own transaction.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import sqlalchemy as sa

from roost.db import schema
from roost.ids import datetime_from_id, id_from_datetime
from roost.jobs.runner import Job, JobHandler
from roost.search.tags import TagRow, hour_of, tag_entities

if TYPE_CHECKING:
    from roost.search.entities import Tag
    from roost.services import Services

INTERVAL = 300.0
RECENT_HOURS = 3
BASELINE_HOURS = 7 * 24
HALF_LIFE_HOURS = 2.0
MIN_ACCOUNTS = 3
MIN_SCORE = 1.0
KEEP_TAGS = 100
STATUS_WINDOW = timedelta(hours=48)
STATUS_HALF_LIFE_HOURS = 12.0
PER_AUTHOR = 2
KEEP_STATUSES = 200
PUBLIC = 0

_tu, _tt, _ts, _t = schema.tag_uses, schema.trending_tags, schema.trending_statuses, schema.tags
_s, _fav = schema.statuses, schema.favourites


def tag_score(recent: list[int], baseline_total: int, baseline_hours: int) -> float:
    """The score of one tag from its accounts per hour, newest hour first,
    against its baseline (accounts over ``baseline_hours`` before them)."""
    if max(recent, default=0) < MIN_ACCOUNTS:
        return 0.0
    observed = max(count * 0.5 ** (age / HALF_LIFE_HOURS) for age, count in enumerate(recent))
    expected = max(1.0, baseline_total / max(1, baseline_hours))
    if observed <= expected:
        return 0.0
    return float((observed - expected) ** 2 / expected)


async def _hourly_accounts(services: Services, now_hour: int) -> dict[int, dict[int, int]]:
    """Accounts per hour over the baseline window, for the tags used lately."""
    first = now_hour - BASELINE_HOURS - RECENT_HOURS
    recent = sa.select(_tu.c.tag_id).where(_tu.c.hour > now_hour - RECENT_HOURS).distinct()
    query = (
        sa.select(_tu.c.tag_id, _tu.c.hour, sa.func.count())
        .where(_tu.c.tag_id.in_(recent), _tu.c.hour > first, _tu.c.hour <= now_hour)
        .group_by(_tu.c.tag_id, _tu.c.hour)
    )
    counts: dict[int, dict[int, int]] = defaultdict(dict)
    async with services.db.read(primary=True) as conn:
        for tag_id, hour, count in (await conn.execute(query)).all():
            counts[int(tag_id)][int(hour)] = int(count)
    return counts


async def refresh_tag_trends(services: Services, now: datetime) -> None:
    now_hour = hour_of(now)
    scores: dict[int, float] = {}
    for tag_id, per_hour in (await _hourly_accounts(services, now_hour)).items():
        recent = [per_hour.get(now_hour - age, 0) for age in range(RECENT_HOURS)]
        baseline = sum(c for h, c in per_hour.items() if h <= now_hour - RECENT_HOURS)
        scores[tag_id] = tag_score(recent, baseline, BASELINE_HOURS)
    async with services.db.write() as conn:
        previous = (
            await conn.execute(sa.select(_tt.c.tag_id, _tt.c.score, _tt.c.computed_at))
        ).all()
        for tag_id, score, computed_at in previous:
            at = computed_at if computed_at.tzinfo else computed_at.replace(tzinfo=UTC)
            hours = max(0.0, (now - at).total_seconds() / 3600)
            decayed = float(score) * 0.5 ** (hours / HALF_LIFE_HOURS)
            scores[int(tag_id)] = max(scores.get(int(tag_id), 0.0), decayed)
        kept = sorted(((s, t) for t, s in scores.items() if s >= MIN_SCORE), reverse=True)[
            :KEEP_TAGS
        ]
        await conn.execute(_tt.delete())
        if kept:
            await conn.execute(
                _tt.insert(), [{"tag_id": t, "score": s, "computed_at": now} for s, t in kept]
            )


async def refresh_status_trends(services: Services, now: datetime) -> None:
    since = id_from_datetime(now - STATUS_WINDOW)
    reblogs = sa.select(_s.c.reblog_of_id.label("target"), _s.c.account_id.label("actor")).where(
        _s.c.id > since, _s.c.reblog_of_id.is_not(None)
    )
    replies = sa.select(_s.c.in_reply_to_id.label("target"), _s.c.account_id.label("actor")).where(
        _s.c.id > since, _s.c.in_reply_to_id.is_not(None)
    )
    favourites = sa.select(
        _fav.c.status_id.label("target"), _fav.c.account_id.label("actor")
    ).where(_fav.c.id > since)
    acts = sa.union(favourites, reblogs, replies).subquery()  # distinct (target, actor)
    query = (
        sa.select(_s.c.id, _s.c.account_id, sa.func.count())
        .select_from(acts.join(_s, _s.c.id == acts.c.target))
        .where(
            _s.c.id > since,
            _s.c.visibility == PUBLIC,
            _s.c.sensitive.is_(False),
            _s.c.reblog_of_id.is_(None),
            acts.c.actor != _s.c.account_id,
        )
        .group_by(_s.c.id, _s.c.account_id)
    )
    async with services.db.read(primary=True) as conn:
        rows = (await conn.execute(query)).all()
    now_id_hours = now.timestamp() / 3600
    scored = []
    for status_id, author, count in rows:
        age = max(0.0, now_id_hours - _hours_of_id(int(status_id)))
        scored.append(
            (int(count) * 0.5 ** (age / STATUS_HALF_LIFE_HOURS), int(status_id), int(author))
        )
    scored.sort(reverse=True)
    per_author: dict[int, int] = defaultdict(int)
    kept = []
    for score, status_id, author in scored:
        if per_author[author] >= PER_AUTHOR:
            continue
        per_author[author] += 1
        kept.append({"status_id": status_id, "score": score, "computed_at": now})
        if len(kept) >= KEEP_STATUSES:
            break
    async with services.db.write() as conn:
        await conn.execute(_ts.delete())
        if kept:
            await conn.execute(_ts.insert(), kept)


def _hours_of_id(status_id: int) -> float:
    return datetime_from_id(status_id).timestamp() / 3600


async def refresh_trends(services: Services, now: datetime | None = None) -> None:
    moment = now or datetime.now(UTC)
    await refresh_tag_trends(services, moment)
    await refresh_status_trends(services, moment)


async def trends_job(job: Job) -> None:
    """The periodic job (enqueued each period by the running workers)."""
    await refresh_trends(job.services, datetime.now(UTC))


async def trending_tags(
    services: Services, *, limit: int, offset: int, viewer_id: int | None
) -> list[Tag]:
    query = (
        sa.select(_t.c.id, _t.c.name)
        .select_from(_tt.join(_t, _t.c.id == _tt.c.tag_id))
        .order_by(_tt.c.score.desc(), _t.c.id)
        .limit(limit)
        .offset(offset)
    )
    async with services.db.read() as conn:
        rows = (await conn.execute(query)).all()
    return await tag_entities(services, [TagRow(int(r.id), str(r.name)) for r in rows], viewer_id)


async def trending_status_ids(services: Services, *, limit: int, offset: int) -> list[int]:
    query = (
        sa.select(_ts.c.status_id)
        .order_by(_ts.c.score.desc(), _ts.c.status_id.desc())
        .limit(limit)
        .offset(offset)
    )
    async with services.db.read() as conn:
        return [int(r[0]) for r in (await conn.execute(query)).all()]


JOB_HANDLERS: dict[str, JobHandler] = {"trends_refresh": trends_job}
PERIODIC = {"trends_refresh": INTERVAL}
