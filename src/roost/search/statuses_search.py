"""Status search: the parsed query, the viewer's visibility and the page,
as one SQL statement over ``statuses`` (joined with the engine's index when
there are words to match).

Who may find what (the same rule as ``statuses.visibility``, in SQL):
public and unlisted statuses from anyone; followers-only ones from accounts
the viewer follows, their own, and those mentioning the viewer; direct ones
only by their author and the accounts they mention. Authors the viewer
blocks or mutes, or who block the viewer, are left out. Reblogs are not
searched (their originals are). Rendering checks visibility once more.

As in Mastodon, an account that turned ``indexable`` off keeps its statuses
out of other people's search: they are found only by their author and by
viewers who interacted with them (mentioned in, favourited, bookmarked or
reblogged them)."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Set
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa

from roost.accounts.lookup import local_username
from roost.db import schema
from roost.db.paging import newest_first
from roost.ids import id_from_datetime
from roost.kernel.paging import Page
from roost.search.engine import TextQuery, bounded, engine_for
from roost.search.geo import EARTH_RADIUS_KM
from roost.search.query import ParsedQuery
from roost.statuses.content import MAX_TAG_LENGTH, normalize_tag
from roost.statuses.records import PRIVATE, UNLISTED

if TYPE_CHECKING:
    from roost.services import Services

MAX_OFFSET = 10_000
_s, _m, _f, _st, _t, _a = (
    schema.statuses,
    schema.mentions,
    schema.follows,
    schema.status_tags,
    schema.tags,
    schema.accounts,
)
_fav, _bm = schema.favourites, schema.bookmarks
_reblog = _s.alias("viewer_reblog")


@dataclasses.dataclass(frozen=True, slots=True)
class StatusSearch:
    query: ParsedQuery
    viewer_id: int | None
    excluded: Set[int]  # blocked and muted authors, either way
    account_id: int | None = None  # only this author's statuses
    following: bool = False  # only authors the viewer follows
    relevance: bool = False
    offset: int = 0
    # The language whose stemming applies when the query names none
    # (the viewer's locale).
    stemming: str | None = None


def visible_to(viewer_id: int | None) -> sa.ColumnElement[bool]:
    """The statuses ``viewer_id`` may see, as a condition on ``statuses``."""
    shown: sa.ColumnElement[bool] = _s.c.visibility <= UNLISTED
    if viewer_id is None:
        return shown
    followed = sa.select(_f.c.target_account_id).where(_f.c.account_id == viewer_id)
    mentioned = sa.exists().where(_m.c.status_id == _s.c.id, _m.c.account_id == viewer_id)
    return sa.or_(
        shown,
        _s.c.account_id == viewer_id,
        sa.and_(_s.c.visibility == PRIVATE, _s.c.account_id.in_(followed)),
        mentioned,
    )


def findable_by(viewer_id: int | None) -> sa.ColumnElement[bool]:
    """Statuses of indexable authors, plus, for a viewer, their own and those
    they interacted with. Each branch is a primary-key or unique-index probe
    per candidate row; the author's (nearly always true) comes first."""
    indexed = ~sa.exists().where(_a.c.id == _s.c.account_id, _a.c.indexable.is_(False))
    if viewer_id is None:
        return indexed
    return sa.or_(
        _s.c.account_id == viewer_id,
        indexed,
        sa.exists().where(_m.c.status_id == _s.c.id, _m.c.account_id == viewer_id),
        sa.exists().where(_fav.c.account_id == viewer_id, _fav.c.status_id == _s.c.id),
        sa.exists().where(_bm.c.account_id == viewer_id, _bm.c.status_id == _s.c.id),
        sa.exists().where(_reblog.c.account_id == viewer_id, _reblog.c.reblog_of_id == _s.c.id),
    )


def _media_condition(wanted: bool) -> sa.ColumnElement[bool]:
    """has:media. Statuses carry no media until the media tables exist; then
    a status has media when an attachment points at it."""
    media = schema.metadata.tables.get("media_attachments")
    if media is None or "status_id" not in media.c:
        return sa.false() if wanted else sa.true()
    exists = sa.exists().where(media.c.status_id == _s.c.id)
    return exists if wanted else ~exists


async def _account_ids(services: Services, names: list[str]) -> list[int] | None:
    """Ids of the local accounts named (None when one of them is unknown)."""
    keys = []
    for name in names:
        username = local_username(name, domain=services.settings.domain)
        if username is None:
            return None
        keys.append(username.lower())
    async with services.db.read() as conn:
        rows = (await conn.execute(sa.select(_a.c.id).where(_a.c.username_key.in_(keys)))).all()
    return [int(r.id) for r in rows] if len(rows) == len(set(keys)) else None


async def _tag_ids(services: Services, names: list[str]) -> list[int] | None:
    cleaned = {normalize_tag(n) for n in names}
    if any(not 0 < len(n) <= MAX_TAG_LENGTH for n in cleaned):
        return None
    async with services.db.read() as conn:
        rows = (await conn.execute(sa.select(_t.c.id).where(_t.c.name.in_(cleaned)))).all()
    return [int(r.id) for r in rows] if len(rows) == len(cleaned) else None


def _time_bounds(since: datetime | None, until: datetime | None) -> list[sa.ColumnElement[bool]]:
    conditions = []
    if since is not None:
        conditions.append(_s.c.id >= id_from_datetime(since))
    if until is not None:
        conditions.append(_s.c.id < id_from_datetime(until))
    return conditions


async def _conditions(
    services: Services, search: StatusSearch
) -> list[sa.ColumnElement[bool]] | None:
    """Every condition on ``statuses`` except the text match; None when the
    query can find nothing (an unknown account or tag)."""
    q = search.query
    conditions: list[sa.ColumnElement[bool]] = [
        _s.c.reblog_of_id.is_(None),
        visible_to(search.viewer_id),
        findable_by(search.viewer_id),
    ]
    if search.excluded:
        conditions.append(_s.c.account_id.not_in(sorted(search.excluded)))
    authors: list[int] | None = None
    if q.from_accounts:
        authors = await _account_ids(services, q.from_accounts)
        if authors is None:
            return None
    if q.only_own:
        if search.viewer_id is None:
            return None
        authors = [search.viewer_id] if authors is None or search.viewer_id in authors else []
    if search.account_id is not None:
        if authors is None:
            authors = [search.account_id]
        else:
            authors = [a for a in authors if a == search.account_id]
    if authors is not None:
        if not authors:
            return None
        conditions.append(_s.c.account_id.in_(authors))
    if search.following:
        if search.viewer_id is None:
            return None
        followed = sa.select(_f.c.target_account_id).where(_f.c.account_id == search.viewer_id)
        conditions.append(_s.c.account_id.in_(followed))
    if q.tags:
        tag_ids = await _tag_ids(services, q.tags)
        if tag_ids is None:
            return None
        for tag_id in tag_ids:
            tagged = sa.select(_st.c.status_id).where(_st.c.tag_id == tag_id)
            conditions.append(_s.c.id.in_(tagged))
    if q.is_reply is not None:
        reply = _s.c.in_reply_to_id.is_not(None)
        conditions.append(reply if q.is_reply else _s.c.in_reply_to_id.is_(None))
    if q.is_sensitive is not None:
        conditions.append(_s.c.sensitive.is_(q.is_sensitive))
    if q.has_media is not None:
        conditions.append(_media_condition(q.has_media))
    if q.has_poll:
        return None  # polls do not exist here
    if q.language is not None:
        conditions.append(_s.c.language == q.language)
    conditions += _time_bounds(q.since, q.until)
    if q.near is not None:
        conditions.append(_near_condition(*q.near))
    return conditions


def _near_condition(lat: float, lon: float, km: float) -> sa.ColumnElement[bool]:
    """Posted within ``km`` of the point: a latitude/longitude box, then the
    circle on a flat projection around the point (under 0.5% off within
    500 km; exact arithmetic on both databases, no trigonometry in SQL).
    Tested per candidate row of the text plan; the nearby timeline is the
    indexed way to list a place."""
    per_degree = 2 * math.pi * EARTH_RADIUS_KM / 360
    squeeze = max(math.cos(math.radians(lat)), 0.01)
    dlat = km / per_degree
    dlon = min(180.0, dlat / squeeze)
    north, east = _s.c.latitude - lat, _s.c.longitude - lon
    box = sa.and_(
        _s.c.latitude.between(lat - dlat, lat + dlat),
        sa.or_(
            _s.c.longitude.between(lon - dlon, lon + dlon),
            # Across the antimeridian.
            _s.c.longitude.between(lon - dlon + 360, 180),
            _s.c.longitude.between(-180, lon + dlon - 360),
        ),
    )
    wrapped = sa.case((east > 180, east - 360), (east < -180, east + 360), else_=east)
    flat = north * north + (wrapped * squeeze) * (wrapped * squeeze)
    return sa.and_(box, flat <= dlat * dlat)


def _narrowed(search: StatusSearch) -> bool:
    q = search.query
    return bool(q.from_accounts or q.only_own or search.account_id is not None)


async def search_status_ids(services: Services, search: StatusSearch, page: Page) -> list[int]:
    """Ids of the statuses found, newest first (or best first)."""
    conditions = await _conditions(services, search)
    if conditions is None or search.query.is_empty:
        return []
    q = search.query
    offset = max(0, min(search.offset, MAX_OFFSET))
    async with services.db.read() as conn:
        if q.has_text:
            engine = engine_for(conn.dialect.name)
            text = TextQuery(
                words=tuple(q.words),
                phrases=tuple(tuple(p) for p in q.phrases),
                excluded=tuple(q.excluded),
                language=q.language or search.stemming,
            )
            return await engine.find(
                conn,
                text,
                conditions,
                page,
                offset=offset,
                relevance=search.relevance,
                narrowed=_narrowed(search),
            )
        query = bounded(sa.select(_s.c.id).where(*conditions), _s.c.id, page)
        order = _s.c.id.asc() if page.ascending else _s.c.id.desc()
        rows = (await conn.execute(query.order_by(order).limit(page.limit).offset(offset))).all()
    return [int(r[0]) for r in newest_first(rows, page)]
