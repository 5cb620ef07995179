"""Hashtags: lookup with 7 days of history, follow and unfollow, the
viewer's followed tags, and search by name prefix."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa

from roost.db import schema
from roost.db.paging import newest_first, paged
from roost.ids import EPOCH_MS
from roost.kernel.errors import NotFound, ValidationFailed
from roost.kernel.paging import Page
from roost.search.entities import Tag, TagHistory
from roost.statuses.content import MAX_TAG_LENGTH, normalize_tag, tag_url
from roost.statuses.writes import ensure_tags, insert_ignore

if TYPE_CHECKING:
    from roost.services import Services

HISTORY_DAYS = 7
HOUR_MS = 3_600_000
_ID_SHIFT = 22
_NAME = re.compile(r"\w+", re.UNICODE)
_t, _tf, _tu = schema.tags, schema.tag_follows, schema.tag_uses


@dataclasses.dataclass(frozen=True, slots=True)
class TagRow:
    id: int
    name: str


def hour_of(moment: datetime) -> int:
    """Hours since the id epoch (the ``tag_uses.hour`` of ``moment``)."""
    return (int(moment.timestamp() * 1000) - EPOCH_MS) // HOUR_MS


def hour_of_id(status_id: int) -> int:
    return (status_id >> _ID_SHIFT) // HOUR_MS


def clean_name(raw: str) -> str | None:
    """The stored form of a tag name from a URL or a query; None if no tag
    could have it."""
    name = normalize_tag(raw.strip().lstrip("#"))
    if not 0 < len(name) <= MAX_TAG_LENGTH or not _NAME.fullmatch(name) or name.isdigit():
        return None
    return name


async def find_tag(services: Services, raw: str) -> TagRow:
    name = clean_name(raw)
    if name is None:
        raise NotFound()
    async with services.db.read() as conn:
        row = (await conn.execute(sa.select(_t.c.id, _t.c.name).where(_t.c.name == name))).first()
    if row is None:
        raise NotFound()
    return TagRow(int(row.id), str(row.name))


async def histories(
    services: Services, tag_ids: Sequence[int], *, now: datetime | None = None
) -> dict[int, list[TagHistory]]:
    """The last 7 days (today first) of each tag: statuses and distinct
    accounts, counted from ``tag_uses`` (an account counts once per hour)."""
    today = hour_of(now or datetime.now(UTC)) // 24
    first_hour = (today - HISTORY_DAYS + 1) * 24
    counts: dict[tuple[int, int], tuple[int, int]] = {}
    if tag_ids:
        day = (_tu.c.hour // 24).label("day")
        query = (
            sa.select(
                _tu.c.tag_id, day, sa.func.count(), sa.func.count(sa.distinct(_tu.c.account_id))
            )
            .where(_tu.c.tag_id.in_(list(tag_ids)), _tu.c.hour >= first_hour)
            .group_by(_tu.c.tag_id, day)
        )
        async with services.db.read() as conn:
            for tag_id, d, uses, accounts in (await conn.execute(query)).all():
                counts[(int(tag_id), int(d))] = (int(uses), int(accounts))
    result: dict[int, list[TagHistory]] = {}
    for tag_id in tag_ids:
        days = []
        for d in range(today, today - HISTORY_DAYS, -1):
            uses, accounts = counts.get((tag_id, d), (0, 0))
            midnight = EPOCH_MS // 1000 + d * 86_400
            days.append(TagHistory(day=str(midnight), uses=str(uses), accounts=str(accounts)))
        result[tag_id] = days
    return result


async def followed_among(services: Services, viewer_id: int, tag_ids: Sequence[int]) -> set[int]:
    if not tag_ids:
        return set()
    async with services.db.read(primary=True) as conn:
        rows = await conn.execute(
            sa.select(_tf.c.tag_id).where(
                _tf.c.account_id == viewer_id, _tf.c.tag_id.in_(list(tag_ids))
            )
        )
        return {int(r.tag_id) for r in rows}


async def tag_entities(
    services: Services, rows: Sequence[TagRow], viewer_id: int | None
) -> list[Tag]:
    ids = [r.id for r in rows]
    history = await histories(services, ids)
    followed = await followed_among(services, viewer_id, ids) if viewer_id is not None else None
    public_url = services.settings.public_url
    tags = []
    for row in rows:
        tag = Tag(
            id=str(row.id),
            name=row.name,
            url=tag_url(public_url, row.name),
            history=history[row.id],
        )
        if followed is not None:
            tag.following = row.id in followed
        tags.append(tag)
    return tags


async def get_tag(services: Services, raw: str, viewer_id: int | None) -> Tag:
    return (await tag_entities(services, [await find_tag(services, raw)], viewer_id))[0]


async def follow_tag(services: Services, raw: str, viewer_id: int) -> Tag:
    """Follow a tag (creating it if nobody used it yet); idempotent."""
    name = clean_name(raw)
    if name is None:
        raise ValidationFailed("Name is not a valid hashtag")
    now = datetime.now(UTC)
    async with services.db.write() as conn:
        tag_id = (await ensure_tags(conn, [name], services.ids, now))[0]
        await conn.execute(
            insert_ignore(conn, _tf, ["account_id", "tag_id"]),
            [
                {
                    "account_id": viewer_id,
                    "tag_id": tag_id,
                    "id": services.ids.next_id(),
                    "created_at": now,
                }
            ],
        )
    return (await tag_entities(services, [TagRow(tag_id, name)], viewer_id))[0]


async def unfollow_tag(services: Services, raw: str, viewer_id: int) -> Tag:
    row = await find_tag(services, raw)
    async with services.db.write() as conn:
        await conn.execute(
            _tf.delete().where(_tf.c.account_id == viewer_id, _tf.c.tag_id == row.id)
        )
    return (await tag_entities(services, [row], viewer_id))[0]


async def followed_tags(
    services: Services, viewer_id: int, page: Page
) -> tuple[list[Tag], list[int]]:
    """A page of the viewer's followed tags (newest follow first) and the
    follows' ids for the Link header."""
    query = (
        sa.select(_tf.c.id, _t.c.id.label("tag_id"), _t.c.name)
        .select_from(_tf.join(_t, _t.c.id == _tf.c.tag_id))
        .where(_tf.c.account_id == viewer_id)
    )
    async with services.db.read(primary=True) as conn:
        rows = newest_first((await conn.execute(paged(query, _tf.c.id, page))).all(), page)
    tags = await tag_entities(
        services, [TagRow(int(r.tag_id), str(r.name)) for r in rows], viewer_id
    )
    return tags, [int(r.id) for r in rows]


def prefix_condition(
    dialect: str, column: sa.ColumnElement[str], prefix: str
) -> sa.ColumnElement[bool]:
    """``column`` starts with ``prefix``, in a form the name indexes serve:
    a LIKE on PostgreSQL (a pattern B-tree range), a range on SQLite
    (binary collation, so the B-tree serves it)."""
    if dialect == "postgresql":
        escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return column.like(escaped + "%", escape="\\")
    return sa.and_(column >= prefix, column < prefix + "\U0010ffff")


async def search_tags(
    services: Services, text: str, *, limit: int, offset: int, viewer_id: int | None
) -> list[Tag]:
    """Tags whose name starts with ``text``: the exact name first, then the
    shortest names."""
    name = clean_name(text)
    if name is None:
        return []
    dialect = services.db.engine.dialect.name
    query = (
        sa.select(_t.c.id, _t.c.name)
        .where(prefix_condition(dialect, _t.c.name, name))
        .order_by(sa.case((_t.c.name == name, 0), else_=1), sa.func.length(_t.c.name), _t.c.name)
        .limit(limit)
        .offset(offset)
    )
    async with services.db.read() as conn:
        rows = (await conn.execute(query)).all()
    return await tag_entities(services, [TagRow(int(r.id), str(r.name)) for r in rows], viewer_id)
