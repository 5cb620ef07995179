"""Featured hashtags (shown on a profile) and the posting preferences
clients read from ``GET /api/v1/preferences``."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.accounts.store import load_account
from roost.db import schema
from roost.kernel.errors import NotFound, ValidationFailed
from roost.statuses.content import normalize_tag
from roost.statuses.writes import ensure_tags

if TYPE_CHECKING:
    from roost.services import Services

_ft, _t, _st, _s = schema.featured_tags, schema.tags, schema.status_tags, schema.statuses

# As Mastodon: how many hashtags a profile may feature.
MAX_FEATURED_TAGS = 10
MAX_TAG_LENGTH = 100
SUGGESTED_TAGS = 10


@dataclasses.dataclass(frozen=True, slots=True)
class FeaturedTagRow:
    id: int
    name: str
    statuses_count: int
    last_status_at: datetime | None


def _tag_name(text: str) -> str:
    name = normalize_tag(text.strip().removeprefix("#"))
    if not name or len(name) > MAX_TAG_LENGTH or not all(c.isalnum() or c == "_" for c in name):
        raise ValidationFailed(
            "name is not a valid hashtag",
            details={"name": [{"error": "ERR_INVALID", "description": "is not a valid hashtag"}]},
        )
    return name


async def _rows(
    conn: AsyncConnection, account_id: int, *, featured_id: int | None = None
) -> list[FeaturedTagRow]:
    """The account's featured tags with the count and time of its own public
    statuses using each (what the profile shows)."""
    used = (
        sa.select(
            _st.c.tag_id,
            sa.func.count().label("n"),
            sa.func.max(_s.c.created_at).label("last"),
        )
        .join(_s, _s.c.id == _st.c.status_id)
        .where(_s.c.account_id == account_id, _s.c.visibility <= 1)
        .group_by(_st.c.tag_id)
        .subquery()
    )
    query = (
        sa.select(_ft.c.id, _t.c.name, used.c.n, used.c.last)
        .join(_t, _t.c.id == _ft.c.tag_id)
        .outerjoin(used, used.c.tag_id == _ft.c.tag_id)
        .where(_ft.c.account_id == account_id)
        .order_by(_ft.c.id)
    )
    if featured_id is not None:
        query = query.where(_ft.c.id == featured_id)
    rows = (await conn.execute(query)).all()
    return [
        FeaturedTagRow(
            int(r.id),
            str(r.name),
            int(r.n or 0),
            r.last.replace(tzinfo=UTC) if r.last is not None and r.last.tzinfo is None else r.last,
        )
        for r in rows
    ]


async def list_featured_tags(services: Services, *, account_id: int) -> list[FeaturedTagRow]:
    """404 for an unknown account."""
    if await load_account(services, account_id) is None:
        raise NotFound()
    async with services.db.read(primary=True) as conn:
        return await _rows(conn, account_id)


async def feature_tag(services: Services, *, account_id: int, name: str) -> FeaturedTagRow:
    """Feature a hashtag (created if new); featuring it again answers the
    same entry."""
    tag = _tag_name(name)
    now = datetime.now(UTC)
    async with services.db.write() as conn:
        (tag_id,) = await ensure_tags(conn, [tag], services.ids, now)
        existing = (
            await conn.execute(
                sa.select(_ft.c.id).where(_ft.c.account_id == account_id, _ft.c.tag_id == tag_id)
            )
        ).first()
        if existing is None:
            count = (
                await conn.execute(
                    sa.select(sa.func.count())
                    .select_from(_ft)
                    .where(_ft.c.account_id == account_id)
                )
            ).scalar_one()
            if count >= MAX_FEATURED_TAGS:
                raise ValidationFailed(f"You can feature at most {MAX_FEATURED_TAGS} hashtags")
            featured_id = services.ids.next_id()
            await conn.execute(
                _ft.insert().values(
                    id=featured_id, account_id=account_id, tag_id=tag_id, created_at=now
                )
            )
        else:
            featured_id = int(existing.id)
        return (await _rows(conn, account_id, featured_id=featured_id))[0]


async def unfeature_tag(services: Services, *, account_id: int, featured_id: int) -> None:
    """404 unless the caller features it."""
    async with services.db.write() as conn:
        removed = await conn.execute(
            _ft.delete().where(_ft.c.id == featured_id, _ft.c.account_id == account_id)
        )
    if removed.rowcount == 0:
        raise NotFound()


async def suggested_tags(services: Services, *, account_id: int) -> list[str]:
    """The hashtags the account used most in its statuses and does not feature yet."""
    featured = sa.select(_ft.c.tag_id).where(_ft.c.account_id == account_id)
    uses = sa.func.count().label("uses")
    query = (
        sa.select(_t.c.name, uses)
        .select_from(_st.join(_s, _s.c.id == _st.c.status_id).join(_t, _t.c.id == _st.c.tag_id))
        .where(_s.c.account_id == account_id, _st.c.tag_id.not_in(featured))
        .group_by(_t.c.name)
        .order_by(uses.desc(), _t.c.name)
        .limit(SUGGESTED_TAGS)
    )
    async with services.db.read(primary=True) as conn:
        return [str(r.name) for r in (await conn.execute(query)).all()]
