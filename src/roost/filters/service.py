"""Filter use cases: v2 filters with their keywords and statuses, and the
v1 view of the same rows (a v1 filter is one keyword of a v2 filter).

Every change commits, drops the owner's cached filters, and tells the
owner's streams (``filters_changed``) so clients re-read them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.db import schema
from roost.filters.entities import Filter, FilterKeyword, FilterStatus, V1Filter
from roost.filters.matching import filter_entity
from roost.filters.store import (
    CONTEXTS,
    HIDE,
    WARN,
    FilterRecord,
    by_id,
    filter_of_keyword,
    forget_filters,
    load_filters,
)
from roost.kernel.errors import NotFound, ValidationFailed
from roost.kernel.timefmt import format_datetime
from roost.statuses.targets import visible_target
from roost.streaming.events import FILTERS_CHANGED, publish, user_channel

if TYPE_CHECKING:
    from roost.services import Services

MAX_FILTERS = 100
MAX_KEYWORDS = 100
MAX_TEXT = 255
# Mastodon offers expiries of up to a week; a year bounds what a client may ask.
MAX_EXPIRES_IN = 366 * 24 * 3600

_fl, _kw, _fs = schema.filters, schema.filter_keywords, schema.filter_statuses


@dataclasses.dataclass(frozen=True, slots=True)
class KeywordChange:
    """One entry of ``keywords_attributes``: a new keyword (no id), a change
    of one (id), or its removal (id and destroy)."""

    keyword: str | None = None
    whole_word: bool | None = None
    id: int | None = None
    destroy: bool = False


@dataclasses.dataclass(frozen=True, slots=True)
class FilterChange:
    title: str | None = None
    context: Sequence[str] | None = None
    action: str | None = None
    # None: unchanged; 0 or less: never expires.
    expires_in: int | None = None
    keywords: Sequence[KeywordChange] = ()


def _text(value: str | None, what: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationFailed(f"{what} can't be blank")
    if len(value) > MAX_TEXT:
        raise ValidationFailed(f"{what} is too long (maximum is {MAX_TEXT} characters)")
    return value


def _context(values: Sequence[str]) -> list[str]:
    chosen = list(dict.fromkeys(values))
    if not chosen:
        raise ValidationFailed("Context can't be blank")
    if any(c not in CONTEXTS for c in chosen):
        raise ValidationFailed("Context must be among " + ", ".join(CONTEXTS))
    return chosen


def _action(value: str | None) -> str | None:
    if value is not None and value not in (WARN, HIDE):
        raise ValidationFailed("Filter action must be warn or hide")
    return value


def _expiry(seconds: int | None) -> datetime | None:
    if seconds is None or seconds <= 0:
        return None
    if seconds > MAX_EXPIRES_IN:
        raise ValidationFailed(f"Expires in must be at most {MAX_EXPIRES_IN} seconds")
    return datetime.now(UTC) + timedelta(seconds=seconds)


async def _changed(services: Services, owner_id: int) -> None:
    await forget_filters(services, owner_id)
    await publish(services, FILTERS_CHANGED, 0, [user_channel(owner_id)])


async def _owned(services: Services, owner_id: int, filter_id: int) -> FilterRecord:
    record = by_id(await load_filters(services, owner_id), filter_id)
    if record is None:
        raise NotFound()
    return record


async def _reloaded(services: Services, owner_id: int, filter_id: int) -> Filter:
    return filter_entity(await _owned(services, owner_id, filter_id))


async def _keyword_count(conn: AsyncConnection, filter_id: int) -> int:
    query = sa.select(sa.func.count()).select_from(_kw).where(_kw.c.filter_id == filter_id)
    return int((await conn.execute(query)).scalar_one())


async def _apply_keywords(
    services: Services, conn: AsyncConnection, filter_id: int, changes: Sequence[KeywordChange]
) -> None:
    now = datetime.now(UTC)
    for change in changes:
        if change.id is not None:
            mine = _kw.c.id == change.id
            if (await filter_of_keyword(conn, change.id)) != filter_id:
                raise NotFound()
            if change.destroy:
                await conn.execute(_kw.delete().where(mine))
                continue
            values: dict[str, object] = {}
            if change.keyword is not None:
                values["keyword"] = _text(change.keyword, "Keyword")
            if change.whole_word is not None:
                values["whole_word"] = change.whole_word
            if values:
                await conn.execute(_kw.update().where(mine).values(**values))
        elif not change.destroy:
            await conn.execute(
                _kw.insert().values(
                    id=services.ids.next_id(),
                    filter_id=filter_id,
                    keyword=_text(change.keyword, "Keyword"),
                    whole_word=True if change.whole_word is None else change.whole_word,
                    created_at=now,
                )
            )
    if await _keyword_count(conn, filter_id) > MAX_KEYWORDS:
        raise ValidationFailed(f"A filter has at most {MAX_KEYWORDS} keywords")


async def list_filters(services: Services, *, owner_id: int) -> list[Filter]:
    return [filter_entity(r) for r in await load_filters(services, owner_id)]


async def get_filter(services: Services, *, owner_id: int, filter_id: int) -> Filter:
    return await _reloaded(services, owner_id, filter_id)


async def create_filter(services: Services, *, owner_id: int, change: FilterChange) -> Filter:
    title = _text(change.title, "Title")
    context = _context(change.context or ())
    action = _action(change.action) or WARN
    filter_id = services.ids.next_id()
    async with services.db.write() as conn:
        count = (
            await conn.execute(
                sa.select(sa.func.count()).select_from(_fl).where(_fl.c.account_id == owner_id)
            )
        ).scalar_one()
        if count >= MAX_FILTERS:
            raise ValidationFailed(f"You cannot have more than {MAX_FILTERS} filters")
        await conn.execute(
            _fl.insert().values(
                id=filter_id,
                account_id=owner_id,
                title=title,
                context=context,
                action=action,
                expires_at=_expiry(change.expires_in),
                created_at=datetime.now(UTC),
            )
        )
        await _apply_keywords(
            services, conn, filter_id, [k for k in change.keywords if k.id is None]
        )
    await _changed(services, owner_id)
    return await _reloaded(services, owner_id, filter_id)


async def update_filter(
    services: Services, *, owner_id: int, filter_id: int, change: FilterChange
) -> Filter:
    await _owned(services, owner_id, filter_id)
    values: dict[str, object] = {}
    if change.title is not None:
        values["title"] = _text(change.title, "Title")
    if change.context is not None:
        values["context"] = _context(change.context)
    if change.action is not None:
        values["action"] = _action(change.action)
    if change.expires_in is not None:
        values["expires_at"] = _expiry(change.expires_in)
    async with services.db.write() as conn:
        if values:
            result = await conn.execute(
                _fl.update()
                .where(_fl.c.id == filter_id, _fl.c.account_id == owner_id)
                .values(**values)
            )
            if result.rowcount == 0:
                raise NotFound()
        await _apply_keywords(services, conn, filter_id, change.keywords)
    await _changed(services, owner_id)
    return await _reloaded(services, owner_id, filter_id)


async def delete_filter(services: Services, *, owner_id: int, filter_id: int) -> None:
    await _owned(services, owner_id, filter_id)
    async with services.db.write() as conn:
        await conn.execute(_kw.delete().where(_kw.c.filter_id == filter_id))
        await conn.execute(_fs.delete().where(_fs.c.filter_id == filter_id))
        await conn.execute(_fl.delete().where(_fl.c.id == filter_id, _fl.c.account_id == owner_id))
    await _changed(services, owner_id)


# -- keywords and statuses ------------------------------------------------------


def _keyword_entity(record: FilterRecord, keyword_id: int) -> FilterKeyword:
    entity = filter_entity(record)
    found = next((k for k in entity.keywords if k.id == str(keyword_id)), None)
    if found is None:
        raise NotFound()
    return found


async def _owner_of_keyword(services: Services, owner_id: int, keyword_id: int) -> FilterRecord:
    for record in await load_filters(services, owner_id):
        if any(k.id == keyword_id for k in record.keywords):
            return record
    raise NotFound()


async def _owner_of_status(services: Services, owner_id: int, entry_id: int) -> FilterRecord:
    for record in await load_filters(services, owner_id):
        if any(s.id == entry_id for s in record.statuses):
            return record
    raise NotFound()


async def list_keywords(
    services: Services, *, owner_id: int, filter_id: int
) -> list[FilterKeyword]:
    return (await _reloaded(services, owner_id, filter_id)).keywords


async def add_keyword(
    services: Services, *, owner_id: int, filter_id: int, keyword: str | None, whole_word: bool
) -> FilterKeyword:
    await _owned(services, owner_id, filter_id)
    keyword_id = services.ids.next_id()
    async with services.db.write() as conn:
        await conn.execute(
            _kw.insert().values(
                id=keyword_id,
                filter_id=filter_id,
                keyword=_text(keyword, "Keyword"),
                whole_word=whole_word,
                created_at=datetime.now(UTC),
            )
        )
        if await _keyword_count(conn, filter_id) > MAX_KEYWORDS:
            raise ValidationFailed(f"A filter has at most {MAX_KEYWORDS} keywords")
    await _changed(services, owner_id)
    return _keyword_entity(await _owned(services, owner_id, filter_id), keyword_id)


async def get_keyword(services: Services, *, owner_id: int, keyword_id: int) -> FilterKeyword:
    return _keyword_entity(await _owner_of_keyword(services, owner_id, keyword_id), keyword_id)


async def update_keyword(
    services: Services,
    *,
    owner_id: int,
    keyword_id: int,
    keyword: str | None,
    whole_word: bool | None,
) -> FilterKeyword:
    record = await _owner_of_keyword(services, owner_id, keyword_id)
    async with services.db.write() as conn:
        await _apply_keywords(
            services,
            conn,
            record.id,
            [KeywordChange(keyword=keyword, whole_word=whole_word, id=keyword_id)],
        )
    await _changed(services, owner_id)
    return _keyword_entity(await _owned(services, owner_id, record.id), keyword_id)


async def delete_keyword(services: Services, *, owner_id: int, keyword_id: int) -> None:
    await _owner_of_keyword(services, owner_id, keyword_id)
    async with services.db.write() as conn:
        await conn.execute(_kw.delete().where(_kw.c.id == keyword_id))
    await _changed(services, owner_id)


async def list_filter_statuses(
    services: Services, *, owner_id: int, filter_id: int
) -> list[FilterStatus]:
    return (await _reloaded(services, owner_id, filter_id)).statuses


async def add_filter_status(
    services: Services, *, owner_id: int, filter_id: int, status_id: int
) -> FilterStatus:
    await _owned(services, owner_id, filter_id)
    await visible_target(services, status_id, viewer_id=owner_id)  # 404 unless visible
    entry_id = services.ids.next_id()
    async with services.db.write() as conn:
        present = (
            await conn.execute(
                sa.select(_fs.c.id).where(
                    _fs.c.filter_id == filter_id, _fs.c.status_id == status_id
                )
            )
        ).first()
        if present is not None:
            raise ValidationFailed("Status has already been taken")
        try:
            async with conn.begin_nested():
                await conn.execute(
                    _fs.insert().values(
                        id=entry_id,
                        filter_id=filter_id,
                        status_id=status_id,
                        created_at=datetime.now(UTC),
                    )
                )
        except sa.exc.IntegrityError:  # the same status added at the same moment
            raise ValidationFailed("Status has already been taken") from None
    await _changed(services, owner_id)
    return FilterStatus(id=str(entry_id), status_id=str(status_id))


async def get_filter_status(services: Services, *, owner_id: int, entry_id: int) -> FilterStatus:
    record = await _owner_of_status(services, owner_id, entry_id)
    found = next(s for s in record.statuses if s.id == entry_id)
    return FilterStatus(id=str(found.id), status_id=str(found.status_id))


async def delete_filter_status(services: Services, *, owner_id: int, entry_id: int) -> None:
    await _owner_of_status(services, owner_id, entry_id)
    async with services.db.write() as conn:
        await conn.execute(_fs.delete().where(_fs.c.id == entry_id))
    await _changed(services, owner_id)


# -- v1 -------------------------------------------------------------------------


def _v1(record: FilterRecord, keyword_id: int) -> V1Filter:
    keyword = next(k for k in record.keywords if k.id == keyword_id)
    return V1Filter(
        id=str(keyword.id),
        phrase=keyword.keyword,
        context=list(record.context),
        expires_at=format_datetime(record.expires_at) if record.expires_at else None,
        irreversible=record.action == HIDE,
        whole_word=keyword.whole_word,
    )


async def list_v1(services: Services, *, owner_id: int) -> list[V1Filter]:
    return [
        _v1(record, keyword.id)
        for record in await load_filters(services, owner_id)
        for keyword in record.keywords
    ]


async def get_v1(services: Services, *, owner_id: int, keyword_id: int) -> V1Filter:
    return _v1(await _owner_of_keyword(services, owner_id, keyword_id), keyword_id)


@dataclasses.dataclass(frozen=True, slots=True)
class V1Change:
    phrase: str | None = None
    context: Sequence[str] | None = None
    irreversible: bool | None = None
    whole_word: bool | None = None
    expires_in: int | None = None


async def create_v1(services: Services, *, owner_id: int, change: V1Change) -> V1Filter:
    phrase = _text(change.phrase, "Phrase")
    created = await create_filter(
        services,
        owner_id=owner_id,
        change=FilterChange(
            title=phrase,
            context=change.context or (),
            action=HIDE if change.irreversible else WARN,
            expires_in=change.expires_in,
            keywords=[
                KeywordChange(
                    keyword=phrase,
                    whole_word=True if change.whole_word is None else change.whole_word,
                )
            ],
        ),
    )
    return await get_v1(services, owner_id=owner_id, keyword_id=int(created.keywords[0].id))


async def update_v1(
    services: Services, *, owner_id: int, keyword_id: int, change: V1Change
) -> V1Filter:
    record = await _owner_of_keyword(services, owner_id, keyword_id)
    action = None if change.irreversible is None else (HIDE if change.irreversible else WARN)
    await update_filter(
        services,
        owner_id=owner_id,
        filter_id=record.id,
        change=FilterChange(
            title=change.phrase,
            context=change.context,
            action=action,
            expires_in=change.expires_in,
            keywords=[
                KeywordChange(keyword=change.phrase, whole_word=change.whole_word, id=keyword_id)
            ],
        ),
    )
    return await get_v1(services, owner_id=owner_id, keyword_id=keyword_id)


async def delete_v1(services: Services, *, owner_id: int, keyword_id: int) -> None:
    """Remove the keyword; its filter too when nothing else is left in it."""
    record = await _owner_of_keyword(services, owner_id, keyword_id)
    if len(record.keywords) == 1 and not record.statuses:
        await delete_filter(services, owner_id=owner_id, filter_id=record.id)
    else:
        await delete_keyword(services, owner_id=owner_id, keyword_id=keyword_id)
