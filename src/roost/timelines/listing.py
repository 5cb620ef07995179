"""Timelines read straight from the database by id: an account's statuses,
the public timeline and hashtag timelines (ids only; see service.py for
rendering)."""

from __future__ import annotations

from collections.abc import Sequence, Set
from typing import TYPE_CHECKING

import sqlalchemy as sa

from roost.db import schema
from roost.db.paging import newest_first, paged
from roost.kernel.paging import Page
from roost.statuses.content import MAX_TAG_LENGTH, normalize_tag
from roost.statuses.records import PRIVATE, PUBLIC, UNLISTED

if TYPE_CHECKING:
    from roost.services import Services

MAX_EXTRA_TAGS = 10

_s, _m, _t, _st = schema.statuses, schema.mentions, schema.tags, schema.status_tags
_media = schema.media_attachments


async def _ids(
    services: Services, query: sa.Select[int], page: Page, *, primary: bool = False
) -> list[int]:
    async with services.db.read(primary=primary) as conn:
        rows = (await conn.execute(paged(query, _s.c.id, page))).all()
    return [int(r[0]) for r in newest_first(rows, page)]


def _not_reply_to_others() -> sa.ColumnElement[bool]:
    """Keeps top-level statuses and self-replies (threads)."""
    return sa.or_(_s.c.in_reply_to_id.is_(None), _s.c.in_reply_to_account_id == _s.c.account_id)


def _with_media() -> sa.ColumnElement[bool]:
    """Statuses with at least one attachment (reblogs have none of their own)."""
    return sa.exists().where(_media.c.status_id == _s.c.id)


def _without_excluded(query: sa.Select[int], excluded: Set[int]) -> sa.Select[int]:
    return query.where(_s.c.account_id.not_in(list(excluded))) if excluded else query


def _without_moderated(query: sa.Select[int]) -> sa.Select[int]:
    """Public timelines leave out silenced and suspended accounts (a handful:
    the sub-select reads the moderated accounts only, see roost.admin.actions)."""
    a = schema.accounts
    moderated = sa.select(a.c.id).where(
        sa.or_(a.c.silenced_at.is_not(None), a.c.suspended_at.is_not(None))
    )
    return query.where(_s.c.account_id.not_in(moderated))


async def account_status_ids(
    services: Services,
    *,
    account_id: int,
    viewer_id: int | None,
    viewer_follows: bool,
    page: Page,
    exclude_replies: bool = False,
    exclude_reblogs: bool = False,
    tagged: str | None = None,
    only_media: bool = False,
    primary: bool = False,
) -> list[int]:
    """Ids of an account's statuses that the viewer may see, newest first:
    everything for the owner; public, unlisted (and private for followers)
    for others, plus private and direct ones that mention the viewer.
    ``primary``: read the primary, never a replica (what fills a cached
    list must not lack a committed status)."""
    query = sa.select(_s.c.id).where(_s.c.account_id == account_id)
    if viewer_id != account_id:
        shown = [PUBLIC, UNLISTED, PRIVATE] if viewer_follows else [PUBLIC, UNLISTED]
        visible: sa.ColumnElement[bool] = _s.c.visibility.in_(shown)
        if viewer_id is not None:
            mentioned = sa.exists().where(_m.c.status_id == _s.c.id, _m.c.account_id == viewer_id)
            visible = sa.or_(visible, mentioned)
        query = query.where(visible)
    if exclude_replies:
        query = query.where(_not_reply_to_others())
    if exclude_reblogs:
        query = query.where(_s.c.reblog_of_id.is_(None))
    if only_media:
        query = query.where(_with_media())
    if tagged is not None:
        name = normalize_tag(tagged.strip().lstrip("#"))
        if not _storable(name):
            return []
        tagged_ids = (
            sa.select(_st.c.status_id).join(_t, _t.c.id == _st.c.tag_id).where(_t.c.name == name)
        )
        query = query.where(_s.c.id.in_(tagged_ids))
    return await _ids(services, query, page, primary=primary)


def _public_only(query: sa.Select[int], excluded: Set[int], keep_moderated: bool) -> sa.Select[int]:
    query = _without_excluded(query, excluded)
    return query if keep_moderated else _without_moderated(query)


async def public_status_ids(
    services: Services,
    *,
    excluded: Set[int],
    page: Page,
    only_media: bool = False,
    keep_moderated: bool = False,
    primary: bool = False,
) -> list[int]:
    """Public, original (not reblog) statuses that are not replies to others,
    as Mastodon's public timeline; accounts in ``excluded`` left out.
    ``keep_moderated``: silenced and suspended authors stay (what fills the
    cached list, whose readers judge moderation); ``primary``: as for
    ``account_status_ids``."""
    query = sa.select(_s.c.id).where(
        _s.c.visibility == PUBLIC, _s.c.reblog_of_id.is_(None), _not_reply_to_others()
    )
    if only_media:
        query = query.where(_with_media())
    query = _public_only(query, excluded, keep_moderated)
    return await _ids(services, query, page, primary=primary)


async def _tag_ids(
    services: Services, names: Sequence[str], *, primary: bool = False
) -> dict[str, int]:
    if not names:
        return {}
    async with services.db.read(primary=primary) as conn:
        rows = (await conn.execute(sa.select(_t.c.name, _t.c.id).where(_t.c.name.in_(names)))).all()
    return {str(r.name): int(r.id) for r in rows}


def _storable(name: str) -> bool:
    """Whether a tag of this name could exist at all (PostgreSQL also rejects
    NUL characters in parameters, so they must not reach a query)."""
    return 0 < len(name) <= MAX_TAG_LENGTH and "\x00" not in name


def clean_names(names: Sequence[str]) -> list[str]:
    """The stored forms of the first ``MAX_EXTRA_TAGS`` names given, those
    that could name a tag at all."""
    cleaned = (normalize_tag(n.strip().lstrip("#")) for n in names[:MAX_EXTRA_TAGS])
    return [n for n in cleaned if _storable(n)]


async def tag_status_ids(
    services: Services,
    *,
    tag: str,
    any_tags: Sequence[str] = (),
    all_tags: Sequence[str] = (),
    none_tags: Sequence[str] = (),
    excluded: Set[int],
    page: Page,
    only_media: bool = False,
    keep_moderated: bool = False,
    primary: bool = False,
) -> list[int]:
    """Public statuses with ``tag`` or any of ``any_tags``, all of ``all_tags``
    and none of ``none_tags``, newest first (``keep_moderated``, ``primary``:
    as for ``public_status_ids``)."""
    main = clean_names([tag])
    wanted_any = main + clean_names(any_tags)
    wanted_all = clean_names(all_tags)
    unwanted = clean_names(none_tags)
    known = await _tag_ids(services, [*wanted_any, *wanted_all, *unwanted], primary=primary)
    any_ids = [known[n] for n in wanted_any if n in known]
    if not any_ids or any(n not in known for n in wanted_all):
        return []
    query = sa.select(_s.c.id).where(
        _s.c.visibility == PUBLIC,
        _s.c.reblog_of_id.is_(None),
        _s.c.id.in_(sa.select(_st.c.status_id).where(_st.c.tag_id.in_(any_ids))),
    )
    for name in wanted_all:
        query = query.where(
            _s.c.id.in_(sa.select(_st.c.status_id).where(_st.c.tag_id == known[name]))
        )
    if only_media:
        query = query.where(_with_media())
    none_ids = [known[n] for n in unwanted if n in known]
    if none_ids:
        query = query.where(
            _s.c.id.not_in(sa.select(_st.c.status_id).where(_st.c.tag_id.in_(none_ids)))
        )
    query = _public_only(query, excluded, keep_moderated)
    return await _ids(services, query, page, primary=primary)
