"""Posting a status: validate, render, then one transaction with its fan-out job."""

from __future__ import annotations

import dataclasses
import hashlib
import math
import re
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.accounts.store import forget_accounts, load_account
from roost.db import schema
from roost.jobs.queue import enqueue
from roost.kernel.errors import NotFound, ValidationFailed
from roost.limits import spend_status
from roost.statuses.content import (
    MentionTarget,
    countable_length,
    mention_candidates,
    render_text,
)
from roost.statuses.counters import Counts, add_counts, forget_counts, remember_zero_counts
from roost.statuses.hydrate import load_with_originals
from roost.statuses.records import DIRECT, StatusRecord, visibility_code
from roost.statuses.store import remember_new_status, row_values
from roost.statuses.visibility import visible_records
from roost.statuses.writes import bump_statuses_count, ensure_tags, lock_statuses

if TYPE_CHECKING:
    from roost.services import Services

IDEMPOTENCY_WINDOW = timedelta(hours=1)
MAX_SPOILER = 500
MAX_PLACE_NAME = 200
_LANGUAGE = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*")


def _invalid(message: str) -> ValidationFailed:
    return ValidationFailed(message)


def _clean(value: str) -> str:
    # PostgreSQL text cannot hold NUL characters; they carry no meaning here.
    return value.replace("\x00", "")


def normalize_language(language: str | None) -> str | None:
    """An ISO 639 code (optionally with a region), or None: like Mastodon,
    an unusable language is dropped rather than refused."""
    if language is None:
        return None
    language = language.strip()
    if len(language) > 16 or not _LANGUAGE.fullmatch(language):
        return None
    return language.lower()


@dataclasses.dataclass(frozen=True, slots=True)
class Place:
    name: str | None
    latitude: float | None
    longitude: float | None


def validate_place(name: str | None, latitude: float | None, longitude: float | None) -> Place:
    """Roost's location extension: a place name and/or a point."""
    if name is not None:
        name = _clean(name).strip() or None
    if name is not None and len(name) > MAX_PLACE_NAME:
        raise _invalid(f"Location name is too long (maximum is {MAX_PLACE_NAME} characters)")
    if (latitude is None) != (longitude is None):
        raise _invalid("Location needs both latitude and longitude")
    if latitude is not None and longitude is not None:
        if not math.isfinite(latitude) or not -90 <= latitude <= 90:
            raise _invalid("Latitude must be between -90 and 90")
        if not math.isfinite(longitude) or not -180 <= longitude <= 180:
            raise _invalid("Longitude must be between -180 and 180")
    return Place(name, latitude, longitude)


def idempotency_digest(key: str) -> str:
    """Keys are stored hashed: any length or content fits the column."""
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


async def _resolve_parent(services: Services, author_id: int, parent_id: int) -> tuple[int, int]:
    """(status id, author id) of the status replied to; 404 when the author may
    not see it. A reply to a reblog is a reply to what it reblogs."""
    records = await load_with_originals(services, [parent_id], primary=True)
    parent = records.get(parent_id)
    if parent is None or parent_id not in await visible_records(services, records, author_id):
        raise NotFound()
    if parent.reblog_of_id is not None:
        parent = records[parent.reblog_of_id]
    return parent.id, parent.account_id


async def _mention_targets(services: Services, text: str) -> dict[str, MentionTarget]:
    names = mention_candidates(text, local_domain=services.settings.domain)
    if not names:
        return {}
    a = schema.accounts
    async with services.db.read(primary=True) as conn:
        rows = await conn.execute(
            sa.select(a.c.id, a.c.username, a.c.username_key).where(
                a.c.username_key.in_(sorted(names))
            )
        )
        return {r.username_key: MentionTarget(r.id, r.username) for r in rows}


async def _claimed_status(
    conn: AsyncConnection, author_id: int, digest: str, now: datetime
) -> int | None:
    """The status already posted with this idempotency key (within the window)."""
    k = schema.idempotency_keys
    row = (
        await conn.execute(
            sa.select(k.c.status_id, k.c.created_at).where(
                k.c.account_id == author_id, k.c.key == digest
            )
        )
    ).first()
    if row is None:
        return None
    created = row.created_at if row.created_at.tzinfo else row.created_at.replace(tzinfo=UTC)
    s = schema.statuses
    exists = (await conn.execute(sa.select(s.c.id).where(s.c.id == row.status_id))).first()
    if created > now - IDEMPOTENCY_WINDOW and exists is not None:
        return int(row.status_id)
    # Expired, or its status was deleted: the key is free again.
    await conn.execute(k.delete().where(k.c.account_id == author_id, k.c.key == digest))
    return None


async def post_status(
    services: Services,
    *,
    author_id: int,
    text: str,
    visibility: str | None = None,
    spoiler_text: str = "",
    sensitive: bool | None = None,
    language: str | None = None,
    in_reply_to_id: int | None = None,
    place_name: str | None = None,
    latitude: float | None = None,
    longitude: float | None = None,
    idempotency_key: str | None = None,
) -> int:
    """Publish a status; returns its id.

    The status, its mentions and tags, the counters and a ``fanout_status``
    job commit in one transaction. A repeated ``idempotency_key`` from the
    same author within an hour returns the first status without writing.
    ``visibility``, ``sensitive`` and ``language`` left as None take the
    author's posting defaults.
    """
    settings = services.settings
    author = await load_account(services, author_id)
    if author is None:
        raise NotFound()
    if visibility is None:
        visibility = author.default_privacy
    if sensitive is None:
        sensitive = author.default_sensitive
    if language is None:
        language = author.default_language
    code = visibility_code(visibility)
    if code is None:
        raise _invalid("Visibility is not included in the list")
    text = _clean(text)
    spoiler_text = _clean(spoiler_text).strip()
    if not text.strip():
        raise _invalid("Text can't be blank")
    if len(spoiler_text) > MAX_SPOILER:
        raise _invalid(f"Spoiler text is too long (maximum is {MAX_SPOILER} characters)")
    length = countable_length(text, local_domain=settings.domain) + len(spoiler_text)
    if length > settings.max_status_chars:
        raise _invalid(f"Text character limit of {settings.max_status_chars} exceeded")
    place = validate_place(place_name, latitude, longitude)
    parent: tuple[int, int] | None = None
    if in_reply_to_id is not None:
        parent = await _resolve_parent(services, author_id, in_reply_to_id)
    rendered = render_text(
        text,
        public_url=settings.public_url,
        local_domain=settings.domain,
        accounts=await _mention_targets(services, text),
    )
    digest = idempotency_digest(idempotency_key) if idempotency_key else None
    await spend_status(services, account_id=author_id)
    status_id = services.ids.next_id()
    now = datetime.now(UTC)
    record = StatusRecord(
        id=status_id,
        account_id=author_id,
        text=text,
        content=rendered.html,
        spoiler_text=spoiler_text,
        sensitive=bool(sensitive) or bool(spoiler_text),
        visibility=code,
        language=normalize_language(language),
        in_reply_to_id=parent[0] if parent else None,
        in_reply_to_account_id=parent[1] if parent else None,
        reblog_of_id=None,
        place_name=place.name,
        latitude=place.latitude,
        longitude=place.longitude,
        created_at=now,
        edited_at=None,
        # Ordered as a read from the database orders them.
        mention_ids=sorted(rendered.mention_ids),
        tags=sorted(set(rendered.tags)),
    )
    try:
        async with services.db.write() as conn:
            if digest is not None:
                earlier = await _claimed_status(conn, author_id, digest, now)
                if earlier is not None:
                    return earlier
            if parent is not None and not await lock_statuses(conn, [parent[0]]):
                raise NotFound()  # deleted meanwhile
            await conn.execute(schema.statuses.insert().values(**row_values(record)))
            if rendered.mention_ids:
                await conn.execute(
                    schema.mentions.insert(),
                    [{"status_id": status_id, "account_id": i} for i in rendered.mention_ids],
                )
            tag_ids = await ensure_tags(conn, rendered.tags, services.ids, now)
            if tag_ids:
                await conn.execute(
                    schema.status_tags.insert(),
                    [{"status_id": status_id, "tag_id": i} for i in tag_ids],
                )
            # Like Mastodon, direct messages do not count as posts on a profile.
            await bump_statuses_count(conn, author_id, 0 if code == DIRECT else 1, posted_at=now)
            if parent is not None:
                await add_counts(conn, {parent[0]: Counts(replies=1)})
            if digest is not None:
                await conn.execute(
                    schema.idempotency_keys.insert().values(
                        account_id=author_id, key=digest, status_id=status_id, created_at=now
                    )
                )
            await enqueue(conn, services.ids, "fanout_status", {"status_id": status_id})
    except sa.exc.IntegrityError:
        # Only the idempotency key can collide: a concurrent request with the
        # same key committed first. Answer with its status.
        if digest is None:
            raise
        async with services.db.read(primary=True) as conn:
            k = schema.idempotency_keys
            row = (
                await conn.execute(
                    sa.select(k.c.status_id).where(k.c.account_id == author_id, k.c.key == digest)
                )
            ).first()
        if row is None:
            raise
        return int(row.status_id)
    await forget_accounts(services, author_id)
    if parent is not None:
        await forget_counts(services, parent[0])
    await remember_new_status(services, record)
    await remember_zero_counts(services, status_id)
    services.jobs.notify()
    return status_id
