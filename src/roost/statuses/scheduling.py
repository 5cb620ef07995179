"""Scheduled statuses: kept with what the client sent, and published by a
job due at their time through ``post_status``, exactly once.

The job carries the time it was scheduled for: moving the time enqueues a
new job and the old one, finding another time on the row, does nothing.
Publishing uses an idempotency key made of the scheduled status's id, so a
job that runs twice (a worker lost its lease mid-way) posts once; the row
is deleted after the post.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from roost.accounts.store import load_account
from roost.db import schema
from roost.jobs.queue import enqueue
from roost.jobs.runner import Job, JobHandler
from roost.kernel.errors import NotFound, Unprocessable, ValidationFailed
from roost.kernel.paging import Page
from roost.kernel.timefmt import format_datetime
from roost.media.attach import attachable_media
from roost.statuses.drafts import NewPoll, NewStatus, validate
from roost.statuses.entities import ScheduledParams, ScheduledPoll, ScheduledStatus
from roost.statuses.polls import now_of
from roost.statuses.service import post_status

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncConnection

    from roost.services import Services

log = logging.getLogger("roost.statuses")

MIN_LEAD = timedelta(minutes=5)
# Mastodon's caps: scheduled statuses waiting per account, and per UTC day
# they are due on.
TOTAL_LIMIT = 300
DAILY_LIMIT = 25
PUBLISH = "publish_scheduled_status"

_t = schema.scheduled_statuses


def parse_scheduled_at(raw: str) -> datetime:
    """An ISO 8601 time (UTC when it names no offset); 422 otherwise."""
    try:
        moment = datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValidationFailed("scheduled_at must be an ISO 8601 date and time") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _check_time(services: Services, at: datetime) -> None:
    if at < now_of(services) + MIN_LEAD:
        raise ValidationFailed("Scheduled time must be at least 5 minutes in the future")


async def _check_room(
    conn: AsyncConnection, account_id: int, at: datetime, *, moving: int | None = None
) -> None:
    """422 when the account already waits on TOTAL_LIMIT scheduled statuses,
    or on DAILY_LIMIT due the same UTC day as ``at`` (``moving``: the row
    being moved, which does not count against its new day). Runs in the
    writing transaction after the account row is locked, so two requests
    racing for the last place cannot both take it."""
    a = schema.accounts
    await conn.execute(sa.select(a.c.id).where(a.c.id == account_id).with_for_update())
    if moving is None:
        total = await conn.scalar(
            sa.select(sa.func.count()).select_from(_t).where(_t.c.account_id == account_id)
        )
        if int(total or 0) >= TOTAL_LIMIT:
            raise ValidationFailed("Maximum number of scheduled statuses reached")
    day = at.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    same_day = sa.and_(
        _t.c.account_id == account_id,
        _t.c.scheduled_at >= day,
        _t.c.scheduled_at < day + timedelta(days=1),
    )
    if moving is not None:
        same_day = sa.and_(same_day, _t.c.id != moving)
    daily = await conn.scalar(sa.select(sa.func.count()).select_from(_t).where(same_day))
    if int(daily or 0) >= DAILY_LIMIT:
        raise ValidationFailed("Daily limit of scheduled statuses reached")


def _params(new: NewStatus) -> dict[str, Any]:
    poll = new.poll
    return {
        "text": new.text,
        "visibility": new.visibility,
        "spoiler_text": new.spoiler_text,
        "sensitive": new.sensitive,
        "language": new.language,
        "in_reply_to_id": new.in_reply_to_id,
        "media_ids": list(new.media_ids),
        "poll": None
        if poll is None
        else {
            "options": poll.options,
            "expires_in": poll.expires_in,
            "multiple": poll.multiple,
            "hide_totals": poll.hide_totals,
        },
        "place_name": new.place_name,
        "latitude": new.latitude,
        "longitude": new.longitude,
    }


def _new_status(account_id: int, params: dict[str, Any], key: str) -> NewStatus:
    poll = params.get("poll")
    return NewStatus(
        author_id=account_id,
        text=params["text"],
        visibility=params.get("visibility"),
        spoiler_text=params.get("spoiler_text") or "",
        sensitive=params.get("sensitive"),
        language=params.get("language"),
        in_reply_to_id=params.get("in_reply_to_id"),
        place_name=params.get("place_name"),
        latitude=params.get("latitude"),
        longitude=params.get("longitude"),
        idempotency_key=key,
        media_ids=tuple(params.get("media_ids") or ()),
        poll=None
        if poll is None
        else NewPoll(
            options=list(poll["options"]),
            expires_in=poll["expires_in"],
            multiple=bool(poll["multiple"]),
            hide_totals=bool(poll["hide_totals"]),
        ),
    )


def _entity(row: Any) -> ScheduledStatus:
    p = row.params
    poll = p.get("poll")
    at = row.scheduled_at if row.scheduled_at.tzinfo else row.scheduled_at.replace(tzinfo=UTC)
    return ScheduledStatus(
        id=str(row.id),
        scheduled_at=format_datetime(at),
        params=ScheduledParams(
            text=p["text"],
            poll=None
            if poll is None
            else ScheduledPoll(
                options=list(poll["options"]),
                expires_in=str(poll["expires_in"]),
                multiple=bool(poll["multiple"]),
                hide_totals=bool(poll["hide_totals"]),
            ),
            media_ids=[str(i) for i in p.get("media_ids") or ()] or None,
            sensitive=p.get("sensitive"),
            spoiler_text=p.get("spoiler_text") or None,
            visibility=p.get("visibility"),
            in_reply_to_id=None if p.get("in_reply_to_id") is None else str(p["in_reply_to_id"]),
            language=p.get("language"),
        ),
        media_attachments=[],
    )


def _stamp(at: datetime) -> str:
    return format_datetime(at)


async def schedule_status(services: Services, new: NewStatus, at: datetime) -> ScheduledStatus:
    """Keep ``new`` to be posted at ``at`` (at least five minutes ahead);
    checked now as a post would be, so that mistakes show at once."""
    _check_time(services, at)
    author = await load_account(services, new.author_id)
    if author is None:
        raise NotFound()
    validate(new, author, max_chars=services.settings.max_status_chars)
    await attachable_media(services, account_id=new.author_id, media_ids=new.media_ids)
    scheduled_id = services.ids.next_id()
    async with services.db.write() as conn:
        await _check_room(conn, new.author_id, at)
        await conn.execute(
            _t.insert().values(
                id=scheduled_id,
                account_id=new.author_id,
                scheduled_at=at,
                params=_params(new),
                created_at=datetime.now(UTC),
            )
        )
        await enqueue(
            conn, services.ids, PUBLISH, {"id": scheduled_id, "at": _stamp(at)}, run_after=at
        )
        row = (await conn.execute(sa.select(_t).where(_t.c.id == scheduled_id))).one()
    return _entity(row)


async def _own_row(services: Services, account_id: int, scheduled_id: int) -> Any:
    async with services.db.read(primary=True) as conn:
        row = (
            await conn.execute(
                sa.select(_t).where(_t.c.id == scheduled_id, _t.c.account_id == account_id)
            )
        ).first()
    if row is None:
        raise NotFound()
    return row


async def show_scheduled(services: Services, account_id: int, scheduled_id: int) -> ScheduledStatus:
    return _entity(await _own_row(services, account_id, scheduled_id))


async def list_scheduled(services: Services, account_id: int, page: Page) -> list[ScheduledStatus]:
    query = sa.select(_t).where(_t.c.account_id == account_id)
    if page.max_id is not None:
        query = query.where(_t.c.id < page.max_id)
    lower = page.min_id if page.min_id is not None else page.since_id
    if lower is not None:
        query = query.where(_t.c.id > lower)
    order = _t.c.id.asc() if page.min_id is not None else _t.c.id.desc()
    async with services.db.read(primary=True) as conn:
        rows = (await conn.execute(query.order_by(order).limit(page.limit))).all()
    found = [_entity(r) for r in rows]
    return sorted(found, key=lambda s: int(s.id), reverse=True)


async def reschedule(
    services: Services, account_id: int, scheduled_id: int, at: datetime
) -> ScheduledStatus:
    _check_time(services, at)
    async with services.db.write() as conn:
        await _check_room(conn, account_id, at, moving=scheduled_id)
        result = await conn.execute(
            _t.update()
            .where(_t.c.id == scheduled_id, _t.c.account_id == account_id)
            .values(scheduled_at=at)
        )
        if result.rowcount != 1:
            raise NotFound()
        await enqueue(
            conn, services.ids, PUBLISH, {"id": scheduled_id, "at": _stamp(at)}, run_after=at
        )
        row = (await conn.execute(sa.select(_t).where(_t.c.id == scheduled_id))).one()
    return _entity(row)


async def cancel_scheduled(services: Services, account_id: int, scheduled_id: int) -> None:
    async with services.db.write() as conn:
        result = await conn.execute(
            _t.delete().where(_t.c.id == scheduled_id, _t.c.account_id == account_id)
        )
        if result.rowcount != 1:
            raise NotFound()


async def publish_scheduled_status(job: Job) -> None:
    """Post a scheduled status when its time has come (the job is due then)."""
    services = job.services
    scheduled_id = int(job.payload["id"])
    async with services.db.read(primary=True) as conn:
        row = (await conn.execute(sa.select(_t).where(_t.c.id == scheduled_id))).first()
    if row is None:
        return  # cancelled, or already published
    at = row.scheduled_at if row.scheduled_at.tzinfo else row.scheduled_at.replace(tzinfo=UTC)
    if _stamp(at) != job.payload.get("at"):
        return  # moved: the job of the new time publishes it
    new = _new_status(int(row.account_id), dict(row.params), f"scheduled:{scheduled_id}")
    try:
        await post_status(services, new)
    except (ValidationFailed, NotFound, Unprocessable) as exc:
        # Its parent or media went away meanwhile: dropped, as Mastodon does.
        log.warning("scheduled status %d not published: %s", scheduled_id, exc)
    async with services.db.write() as conn:
        await conn.execute(_t.delete().where(_t.c.id == scheduled_id))


JOB_HANDLERS: dict[str, JobHandler] = {PUBLISH: publish_scheduled_status}
