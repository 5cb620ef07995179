"""Posting a status: validate, resolve the parent, insert (one transaction
with its fan-out job), then refresh the caches."""

from __future__ import annotations

import dataclasses
import hashlib
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.accounts.records import AccountRecord
from roost.accounts.store import (
    fetch_accounts,
    forget_accounts,
    load_account_blob,
    refresh_account,
)
from roost.db import schema
from roost.db.group_commit import GroupCommit
from roost.jobs.queue import enqueue_many
from roost.kernel.errors import NotFound
from roost.limits import spend_status
from roost.media.attach import attach_media, attachable_media
from roost.media.records import MediaRecord
from roost.notifications.outbox import notify_when_poll_ends
from roost.search.indexing import index_new_status
from roost.statuses.authored import remember_authored
from roost.statuses.content import MentionTarget, mention_candidates, render_text
from roost.statuses.counters import Counts, add_counts, forget_counts, zero_counts_entry
from roost.statuses.drafts import Draft, NewStatus, validate
from roost.statuses.hydrate import load_with_originals
from roost.statuses.outbox import new_status_job
from roost.statuses.polls import PollRecord, insert_poll, now_of
from roost.statuses.public_lists import record_list_keys
from roost.statuses.records import DIRECT, StatusRecord
from roost.statuses.store import new_status_entry, row_values
from roost.statuses.visibility import no_flags_entry, visible_records
from roost.statuses.writes import ensure_tags, lock_statuses

if TYPE_CHECKING:
    from roost.services import Services

IDEMPOTENCY_WINDOW = timedelta(hours=1)


def idempotency_digest(key: str) -> str:
    """Keys are stored hashed: any length or content fits the column."""
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


async def mention_targets(services: Services, text: str) -> dict[str, MentionTarget]:
    names = mention_candidates(text, local_domain=services.settings.domain)
    if not names:
        return {}
    a = schema.accounts
    async with services.db.read(primary=True) as conn:
        rows = await conn.execute(
            sa.select(a.c.id, a.c.username, a.c.username_key).where(
                a.c.username_key.in_(sorted(names)),
                # A deleted account's tombstone is mentioned by no one.
                a.c.deleted_at.is_(None),
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


@dataclasses.dataclass(frozen=True, slots=True)
class Published:
    """What ``publish_status`` did: the status's id and, when this call
    wrote it, its record and the author's account as the commit left them
    (enough to answer without reading either back)."""

    status_id: int
    record: StatusRecord | None  # None: an earlier status with the same idempotency key
    author: AccountRecord | None


async def post_status(services: Services, new: NewStatus) -> int:
    """Publish a status; returns its id (see ``publish_status``)."""
    return (await publish_status(services, new)).status_id


async def publish_status(services: Services, new: NewStatus) -> Published:
    """Publish a status.

    Like Mastodon's PostStatusService: validate, resolve the parent, spend
    the author's posting budget, insert (the status, its mentions and tags,
    the counters and a ``fanout_status`` job in one transaction), then
    refresh caches after the commit. A
    repeated ``idempotency_key`` from the same author within an hour returns
    the first status without writing.
    """
    loaded = await load_account_blob(services, new.author_id)
    if loaded is None:
        raise NotFound()
    author, author_blob = loaded
    draft = validate(new, author, max_chars=services.settings.max_status_chars)
    parent = await _resolve_parent(services, new.author_id, new.in_reply_to_id)
    media = await attachable_media(services, account_id=new.author_id, media_ids=new.media_ids)
    await spend_status(services, account_id=new.author_id)
    record = await _compose(services, new.author_id, draft, parent, media)
    poll = None
    if draft.poll is not None:
        assert draft.poll.expires_in is not None  # validate_poll checked it
        poll = PollRecord(
            id=record.id,
            account_id=record.account_id,
            options=draft.poll.options,
            multiple=draft.poll.multiple,
            hide_totals=draft.poll.hide_totals,
            expires_at=now_of(services) + timedelta(seconds=draft.poll.expires_in),
        )
    digest = idempotency_digest(new.idempotency_key) if new.idempotency_key else None
    written = await _insert(services, record, digest, poll)
    if written.status_id != record.id:
        return Published(written.status_id, None, None)
    await _after_commit(services, record, author_blob, written.author)
    return Published(record.id, record, written.author)


async def _resolve_parent(
    services: Services, author_id: int, parent_id: int | None
) -> StatusRecord | None:
    """The status replied to (None for a top-level post); 404 when the author
    may not see it. A reply to a reblog is a reply to what it reblogs."""
    if parent_id is None:
        return None
    records = await load_with_originals(services, [parent_id], primary=True)
    parent = records.get(parent_id)
    if parent is None or parent_id not in await visible_records(services, records, author_id):
        raise NotFound()
    if parent.reblog_of_id is not None:
        parent = records[parent.reblog_of_id]
    return parent


async def _compose(
    services: Services,
    author_id: int,
    draft: Draft,
    parent: StatusRecord | None,
    media: list[MediaRecord],
) -> StatusRecord:
    """The record to insert: rendered HTML, mentions and tags, a fresh id."""
    settings = services.settings
    rendered = render_text(
        draft.text,
        public_url=settings.public_url,
        local_domain=settings.domain,
        accounts=await mention_targets(services, draft.text),
    )
    status_id = services.ids.next_id()
    return StatusRecord(
        id=status_id,
        account_id=author_id,
        text=draft.text,
        content=rendered.html,
        spoiler_text=draft.spoiler_text,
        sensitive=draft.sensitive,
        visibility=draft.visibility,
        language=draft.language,
        in_reply_to_id=parent.id if parent else None,
        in_reply_to_account_id=parent.account_id if parent else None,
        reblog_of_id=None,
        place_name=draft.place.name,
        latitude=draft.place.latitude,
        longitude=draft.place.longitude,
        created_at=datetime.now(UTC),
        edited_at=None,
        # Ordered as a read from the database orders them.
        mention_ids=sorted(rendered.mention_ids),
        tags=sorted(set(rendered.tags)),
        media=media,
        # A poll has its status's id.
        poll_id=None if draft.poll is None else status_id,
    )


@dataclasses.dataclass(frozen=True, slots=True)
class PendingPost:
    """A composed status waiting for the shared transaction that writes it."""

    record: StatusRecord
    digest: str | None  # of its idempotency key
    poll: PollRecord | None


@dataclasses.dataclass(frozen=True, slots=True)
class Written:
    """A post's outcome in the shared transaction: the id of its status, or
    of the one already posted with its idempotency key (then ``author`` is
    None: nothing was written); ``author``: the author's row as the
    transaction left it."""

    status_id: int
    author: AccountRecord | None


def post_writer(services: Services) -> GroupCommit[PendingPost, Written]:
    """The process's group commit of new statuses (``Services.posting``):
    concurrent posts share one transaction, up to ``ROOST_POST_BATCH_SIZE``."""

    async def write(conn: AsyncConnection, posts: Sequence[PendingPost]) -> list[Written]:
        return await insert_posts(conn, services, posts)

    return GroupCommit(services.db, write, max_batch=services.settings.post_batch_size)


async def _insert(
    services: Services, record: StatusRecord, digest: str | None, poll: PollRecord | None
) -> Written:
    """Write the status and everything that goes with it, committed (in a
    transaction it may share with concurrent posts) before this returns."""
    try:
        written: Written = await services.posting.submit(PendingPost(record, digest, poll))
    except sa.exc.IntegrityError:
        # Only the idempotency key can collide: a concurrent request with the
        # same key committed first. Answer with its status.
        earlier = await _key_owner(services, record.account_id, digest) if digest else None
        if earlier is None:
            raise
        return Written(earlier, None)
    return written


async def insert_posts(
    conn: AsyncConnection, services: Services, posts: Sequence[PendingPost]
) -> list[Written]:
    """Write ``posts`` in the open transaction: per post, its id and its
    author's row after the batch, or the id of the status already posted
    with its idempotency key (nothing written)."""
    results: list[Written | None] = []
    fresh: list[PendingPost] = []
    for post in posts:
        record = post.record
        if post.digest is not None:
            earlier = await _claimed_status(conn, record.account_id, post.digest, record.created_at)
            if earlier is not None:
                results.append(Written(earlier, None))
                continue
        results.append(None)
        fresh.append(post)
    if not fresh:
        return [r for r in results if r is not None]
    authors = await _insert_rows(conn, services, [p.record for p in fresh])
    posted = iter(fresh)
    done: list[Written] = []
    for result in results:
        if result is None:  # the next fresh post, in order
            record = next(posted).record
            result = Written(record.id, authors.get(record.account_id))
        done.append(result)
    for post in fresh:
        if post.poll is not None:
            await insert_poll(conn, post.poll, post.record.created_at)
            await notify_when_poll_ends(conn, services, post.poll.id, post.poll.expires_at)
    keys = [
        {
            "account_id": p.record.account_id,
            "key": p.digest,
            "status_id": p.record.id,
            "created_at": p.record.created_at,
        }
        for p in fresh
        if p.digest is not None
    ]
    if keys:
        await conn.execute(schema.idempotency_keys.insert(), keys)
    # One job per post: its fan-out, which also makes its notifications.
    await enqueue_many(conn, services.ids, [new_status_job(p.record.id) for p in fresh])
    return done


_BUMP = (
    schema.accounts.update()
    .where(schema.accounts.c.id == sa.bindparam("b_id"))
    .values(
        statuses_count=schema.accounts.c.statuses_count + sa.bindparam("b_posts"),
        last_status_at=sa.bindparam("b_at"),
    )
)


async def _insert_rows(
    conn: AsyncConnection, services: Services, records: Sequence[StatusRecord]
) -> dict[int, AccountRecord]:
    """The status rows, their mentions and tags, and the counters they move:
    one statement per kind of row for the whole batch, and none for what no
    post has (no replies: no lock; no mentions: no insert). Returns the
    authors' rows as they are after it (read under the lock of their
    update, so exactly what this transaction commits)."""
    parents = Counter(r.in_reply_to_id for r in records if r.in_reply_to_id is not None)
    if parents and len(await lock_statuses(conn, parents)) < len(parents):
        raise NotFound()  # a parent was deleted meanwhile
    await conn.execute(schema.statuses.insert(), [row_values(r) for r in records])
    mentions = [{"status_id": r.id, "account_id": i} for r in records for i in r.mention_ids]
    if mentions:
        await conn.execute(schema.mentions.insert(), mentions)
    for record in records:
        if record.media:
            await attach_media(
                conn, status_id=record.id, account_id=record.account_id, media=record.media
            )
        tag_ids = await ensure_tags(conn, record.tags, services.ids, record.created_at)
        if tag_ids:
            await conn.execute(
                schema.status_tags.insert(),
                [{"status_id": record.id, "tag_id": i} for i in tag_ids],
            )
        await index_new_status(
            conn,
            status_id=record.id,
            account_id=record.account_id,
            visibility=record.visibility,
            is_reblog=record.reblog_of_id is not None,
            tag_ids=tag_ids,
            latitude=record.latitude,
            longitude=record.longitude,
        )
    # accounts.statuses_count stays exact, and last_status_at moves: one row
    # per author, in id order (concurrent writers lock rows in one order).
    # Like Mastodon, direct messages do not count as posts on a profile.
    bumps: dict[int, dict[str, Any]] = {}
    for record in records:
        bump = bumps.setdefault(
            record.account_id, {"b_id": record.account_id, "b_posts": 0, "b_at": record.created_at}
        )
        bump["b_posts"] += 0 if record.visibility == DIRECT else 1
        bump["b_at"] = max(bump["b_at"], record.created_at)
    await conn.execute(_BUMP, [bumps[a] for a in sorted(bumps)])
    if parents:
        await add_counts(conn, {p: Counts(replies=n) for p, n in parents.items()})
    return await fetch_accounts(conn, bumps)


async def _key_owner(services: Services, author_id: int, digest: str) -> int | None:
    k = schema.idempotency_keys
    async with services.db.read(primary=True) as conn:
        row = (
            await conn.execute(
                sa.select(k.c.status_id).where(k.c.account_id == author_id, k.c.key == digest)
            )
        ).first()
    return None if row is None else int(row.status_id)


async def _after_commit(
    services: Services, record: StatusRecord, author_blob: bytes, author: AccountRecord | None
) -> None:
    """Caches see the new status and the changed counters; workers wake up."""
    if author is None:  # not read back (cannot happen: its row was updated)
        await forget_accounts(services, record.account_id)
    else:
        # The author's cached account, replaced by the row this commit left
        # (new statuses_count and last_status_at) if nothing moved it since
        # it was read, dropped otherwise.
        await refresh_account(services, author_blob, author)
    if record.in_reply_to_id is not None:
        await forget_counts(services, record.in_reply_to_id)
    # One cache call for the new status, its counts (none yet) and the
    # author's marks on it (none yet: its id has reached nobody), so that
    # its first readers, the author's followers included, miss nothing.
    await services.cache.set_each(
        {
            **new_status_entry(record),
            **zero_counts_entry(record.id),
            **no_flags_entry(record.account_id, record.id),
        }
    )
    await remember_authored(services, record.account_id, record.id, more=record_list_keys(record))
    services.jobs.notify()
