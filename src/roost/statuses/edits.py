"""Editing a status, and reading its history and source.

An edit rewrites the status row in place (text, rendered HTML, content
warning, sensitivity, language, ``edited_at``), re-derives its mentions and
tags, and records the new version in ``status_edits``; the first edit also
records the original, so the history starts where the status did. One
transaction holds all of it with two jobs: ``announce_status_edit`` (the
``status.update`` stream event, to where the status was announced) and the
``update`` notifications.

Timelines hold ids, and the rendered fragments are keyed by the cached
record's bytes (``statuses.wire``): forgetting the cached record after the
commit is enough for every timeline, thread and cache to show the edit.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import msgspec
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.accounts.serializers import serialize_account
from roost.accounts.store import load_account
from roost.db import schema
from roost.jobs.queue import enqueue
from roost.kernel.errors import NotFound, ValidationFailed
from roost.kernel.timefmt import format_datetime
from roost.media.attach import (
    attachable_media,
    check_attachment_set,
    describe_media,
    replace_media,
)
from roost.media.records import MediaRecord
from roost.notifications.outbox import notify_about_edit, notify_when_poll_ends
from roost.statuses.content import render_text
from roost.statuses.drafts import NewPoll, NewStatus, validate
from roost.statuses.entities import StatusEdit, StatusSource
from roost.statuses.polls import PollRecord, delete_polls, forget_poll, insert_poll, now_of
from roost.statuses.public_lists import remember_public
from roost.statuses.records import VISIBILITIES, StatusRecord
from roost.statuses.service import mention_targets
from roost.statuses.store import forget_statuses, load_statuses
from roost.statuses.targets import visible_target
from roost.statuses.writes import ensure_tags

if TYPE_CHECKING:
    from roost.services import Services

ANNOUNCE_EDIT = "announce_status_edit"

_s, _e = schema.statuses, schema.status_edits


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class StatusChange:
    """What the author sends to edit a status. ``sensitive`` and ``language``
    left as None keep the status's own."""

    status_id: int
    editor_id: int
    text: str
    spoiler_text: str = ""
    sensitive: bool | None = None
    language: str | None = None
    # The attachments afterwards, in order (None: unchanged), and new
    # descriptions/focal points: (media id, description, focus).
    media_ids: tuple[int, ...] | None = None
    media_attributes: tuple[tuple[int, str | None, tuple[float, float] | None], ...] = ()
    # The poll afterwards, as Mastodon: None removes one the status had; the
    # same options and kind keep it with its votes; other ones start anew.
    poll: NewPoll | None = None


async def _wanted_media(
    services: Services, record: StatusRecord, media_ids: tuple[int, ...] | None
) -> list[MediaRecord] | None:
    """The attachments the edit leaves, validated as on posting (kept ones
    plus the editor's new uploads); None when the edit does not touch them."""
    if media_ids is None:
        return None
    if len(set(media_ids)) != len(media_ids):
        raise ValidationFailed("The same media is attached more than once")
    current = {m.id: m for m in record.media}
    fresh = await attachable_media(
        services,
        account_id=record.account_id,
        media_ids=[i for i in media_ids if i not in current],
    )
    by_id = {**current, **{m.id: m for m in fresh}}
    wanted = [by_id[i] for i in media_ids]
    check_attachment_set(wanted)
    return wanted


async def _own_status(services: Services, status_id: int, editor_id: int) -> StatusRecord:
    """The status to edit: 404 unless it exists, is not a reblog and is the
    editor's own (another account's status is not theirs to know of)."""
    record = (await load_statuses(services, [status_id], primary=True)).get(status_id)
    if record is None or record.account_id != editor_id or record.reblog_of_id is not None:
        raise NotFound()
    return record


async def edit_status(services: Services, change: StatusChange) -> None:
    """Apply an edit (validated like a new post), committed with its jobs;
    the cached record is forgotten after the commit."""
    record = await _own_status(services, change.status_id, change.editor_id)
    author = await load_account(services, change.editor_id)
    if author is None:
        raise NotFound()
    media = await _wanted_media(services, record, change.media_ids)
    kept = record.media if media is None else media
    if kept and change.poll is not None:
        raise ValidationFailed("A status can't have both media and a poll")
    draft = validate(
        NewStatus(
            author_id=change.editor_id,
            text=change.text,
            visibility=VISIBILITIES[record.visibility],
            spoiler_text=change.spoiler_text,
            sensitive=record.sensitive if change.sensitive is None else change.sensitive,
            language=record.language if change.language is None else change.language,
            place_name=record.place_name,
            latitude=record.latitude,
            longitude=record.longitude,
            media_ids=tuple(m.id for m in kept),
            poll=change.poll,
        ),
        author,
        max_chars=services.settings.max_status_chars,
    )
    settings = services.settings
    rendered = render_text(
        draft.text,
        public_url=settings.public_url,
        local_domain=settings.domain,
        accounts=await mention_targets(services, draft.text),
    )
    now = datetime.now(UTC)
    async with services.db.write() as conn:
        query = sa.select(
            _s.c.text, _s.c.content, _s.c.spoiler_text, _s.c.sensitive, _s.c.created_at
        ).where(_s.c.id == record.id, _s.c.account_id == change.editor_id)
        if conn.dialect.name == "postgresql":
            query = query.with_for_update()  # concurrent edits of one status queue here
        row = (await conn.execute(query)).first()
        if row is None:
            raise NotFound()  # deleted meanwhile
        recorded = (
            await conn.execute(sa.select(_e.c.id).where(_e.c.status_id == record.id).limit(1))
        ).first()
        versions = []
        if recorded is None:
            versions.append(
                {
                    "id": services.ids.next_id(),
                    "text": row.text,
                    "content": row.content,
                    "spoiler_text": row.spoiler_text,
                    "sensitive": row.sensitive,
                    "created_at": row.created_at,
                }
            )
        versions.append(
            {
                "id": services.ids.next_id(),
                "text": draft.text,
                "content": rendered.html,
                "spoiler_text": draft.spoiler_text,
                "sensitive": draft.sensitive,
                "created_at": now,
            }
        )
        await conn.execute(
            _e.insert(),
            [{**v, "status_id": record.id, "account_id": change.editor_id} for v in versions],
        )
        poll_id, reset_voters = await _change_poll(
            conn, services, record, draft.poll, created_at=now
        )
        await conn.execute(
            _s.update()
            .where(_s.c.id == record.id)
            .values(
                text=draft.text,
                content=rendered.html,
                spoiler_text=draft.spoiler_text,
                sensitive=draft.sensitive,
                language=draft.language,
                edited_at=now,
                poll_id=poll_id,
            )
        )
        m, st = schema.mentions, schema.status_tags
        await conn.execute(m.delete().where(m.c.status_id == record.id))
        mentioned = sorted(set(rendered.mention_ids))
        if mentioned:
            await conn.execute(
                m.insert(), [{"status_id": record.id, "account_id": i} for i in mentioned]
            )
        await conn.execute(st.delete().where(st.c.status_id == record.id))
        tag_ids = await ensure_tags(conn, sorted(set(rendered.tags)), services.ids, now)
        if tag_ids:
            await conn.execute(
                st.insert(), [{"status_id": record.id, "tag_id": i} for i in tag_ids]
            )
        if media is not None:
            await replace_media(
                conn,
                services.ids,
                status_id=record.id,
                account_id=change.editor_id,
                current=[m.id for m in record.media],
                wanted=media,
            )
        if change.media_attributes:
            await describe_media(conn, status_id=record.id, descriptions=change.media_attributes)
        await enqueue(conn, services.ids, ANNOUNCE_EDIT, {"status_id": record.id})
        await notify_about_edit(conn, services, record.id)
    await forget_statuses(services, record.id)
    if record.poll_id is not None:
        await forget_poll(services, record.poll_id, reset_voters)
    # A hashtag the edit added: the status joins that hashtag's list.
    await remember_public(services, msgspec.structs.replace(record, tags=rendered.tags))
    services.jobs.notify()


async def _change_poll(
    conn: AsyncConnection,
    services: Services,
    record: StatusRecord,
    poll: NewPoll | None,
    *,
    created_at: datetime,
) -> tuple[int | None, list[int]]:
    """The status's poll after the edit (its id or None) and the voters
    whose votes were dropped (their cached votes go after the commit)."""
    p, v = schema.polls, schema.poll_voters
    old = None
    if record.poll_id is not None:
        old = (
            await conn.execute(sa.select(p.c.options, p.c.multiple).where(p.c.id == record.id))
        ).first()
    same = (
        old is not None
        and poll is not None
        and [str(o) for o in old.options] == poll.options
        and bool(old.multiple) == poll.multiple
    )
    if same and poll is not None:
        await conn.execute(
            p.update().where(p.c.id == record.id).values(hide_totals=poll.hide_totals)
        )
        return record.id, []  # the same question: its votes stay
    voters: list[int] = []
    if old is not None:
        voters = [
            int(r[0])
            for r in await conn.execute(sa.select(v.c.account_id).where(v.c.poll_id == record.id))
        ]
        await delete_polls(conn, [record.id])
    if poll is None:
        return None, voters
    assert poll.expires_in is not None  # validate_poll checked it
    fresh = PollRecord(
        id=record.id,
        account_id=record.account_id,
        options=poll.options,
        multiple=poll.multiple,
        hide_totals=poll.hide_totals,
        expires_at=now_of(services) + timedelta(seconds=poll.expires_in),
    )
    await insert_poll(conn, fresh, created_at)
    await notify_when_poll_ends(conn, services, fresh.id, fresh.expires_at)
    return record.id, voters


async def status_history(
    services: Services, status_id: int, *, viewer_id: int | None
) -> list[StatusEdit]:
    """The versions of a status the viewer may see, oldest first; a status
    never edited has one: itself."""
    record = await visible_target(services, status_id, viewer_id=viewer_id, primary=False)
    if record.id != status_id:
        raise NotFound()  # a reblog has no history of its own
    author = await load_account(services, record.account_id)
    if author is None:
        raise NotFound()
    account = serialize_account(services.settings, author)
    async with services.db.read() as conn:
        rows = (
            await conn.execute(
                sa.select(_e.c.content, _e.c.spoiler_text, _e.c.sensitive, _e.c.created_at)
                .where(_e.c.status_id == record.id)
                .order_by(_e.c.id)
            )
        ).all()
    versions = [(r.content, r.spoiler_text, r.sensitive, r.created_at) for r in rows] or [
        (record.content, record.spoiler_text, record.sensitive, record.created_at)
    ]
    return [
        StatusEdit(
            content=content,
            spoiler_text=spoiler_text,
            sensitive=sensitive,
            created_at=format_datetime(created_at),
            account=account,
            media_attachments=[],
            emojis=[],
        )
        for content, spoiler_text, sensitive, created_at in versions
    ]


async def status_source(
    services: Services, status_id: int, *, viewer_id: int | None
) -> StatusSource:
    """The plain text of a status the viewer may see (what an editor starts from)."""
    record = await visible_target(services, status_id, viewer_id=viewer_id, primary=False)
    if record.id != status_id:
        raise NotFound()
    return StatusSource(id=str(record.id), text=record.text, spoiler_text=record.spoiler_text)
