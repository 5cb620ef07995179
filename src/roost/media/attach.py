"""Attaching media to a status, and letting go of it when statuses go.

The rules are Mastodon's: up to four images, or one video or GIF, never
mixed; only the author's own uploads, not yet attached, processed. They are
checked before the status transaction, and the attach itself is guarded in
it (a concurrent post cannot take the same upload twice).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.jobs.queue import enqueue
from roost.kernel.errors import ValidationFailed
from roost.media.records import FAILED, IMAGE, PROCESSING, MediaRecord
from roost.media.store import KEY_COLUMNS, MEDIA, RECORD_COLUMNS, keys_of_rows, record_of

if TYPE_CHECKING:
    from roost.ids import IdGenerator
    from roost.services import Services

MAX_IMAGES = 4
MAX_VIDEOS = 1
_m = MEDIA


def _invalid(reason: str) -> ValidationFailed:
    return ValidationFailed(
        reason, details={"media_ids": [{"error": "ERR_INVALID", "description": reason}]}
    )


async def attachable_media(
    services: Services, *, account_id: int, media_ids: Sequence[int]
) -> list[MediaRecord]:
    """The records of ``media_ids`` in the order given, when they may be
    attached to a new status of ``account_id``; ValidationFailed otherwise."""
    if not media_ids:
        return []
    if len(set(media_ids)) != len(media_ids):
        raise _invalid("The same media is attached more than once")
    if len(media_ids) > MAX_IMAGES:
        raise _invalid(f"At most {MAX_IMAGES} images can be attached")
    async with services.db.read(primary=True) as conn:
        rows = await conn.execute(
            sa.select(*RECORD_COLUMNS, _m.c.account_id, _m.c.status_id, _m.c.state).where(
                _m.c.id.in_(list(media_ids))
            )
        )
        by_id = {int(r.id): r for r in rows}
    records: list[MediaRecord] = []
    for media_id in media_ids:
        row = by_id.get(media_id)
        if row is None or row.account_id != account_id:
            raise _invalid(f"Media {media_id} does not exist or is not yours")
        if row.status_id is not None:
            raise _invalid(f"Media {media_id} is already attached to a status")
        if row.state == PROCESSING:
            raise _invalid("Cannot attach files that have not finished processing")
        if row.state == FAILED:
            raise _invalid(f"Media {media_id} could not be processed")
        records.append(record_of(row))
    check_attachment_set(records)
    return records


def check_attachment_set(records: Sequence[MediaRecord]) -> None:
    """The mix rule over a status's whole set: up to four images, or one
    video or GIF alone."""
    if len(records) > MAX_IMAGES:
        raise _invalid(f"At most {MAX_IMAGES} images can be attached")
    if len(records) > 1 and any(r.kind != IMAGE for r in records):
        raise _invalid("A video or GIF cannot be attached together with other media")


async def replace_media(
    conn: AsyncConnection,
    ids: IdGenerator,
    *,
    status_id: int,
    account_id: int,
    current: Sequence[int],
    wanted: Sequence[MediaRecord],
) -> None:
    """An edited status's attachments become ``wanted``, in that order
    (inside the edit's transaction): new ones are attached (guarded as on
    posting), the ones left out are deleted with their files (by a job)."""
    keep = {r.id for r in wanted}
    dropped = [i for i in current if i not in keep]
    if dropped:
        rows = (await conn.execute(sa.select(*KEY_COLUMNS).where(_m.c.id.in_(dropped)))).all()
        await conn.execute(_m.delete().where(_m.c.id.in_(dropped), _m.c.status_id == status_id))
        keys = keys_of_rows(rows)
        if keys:
            await enqueue(conn, ids, "delete_blobs", {"keys": keys})
    owned = set(current)
    await attach_media(
        conn,
        status_id=status_id,
        account_id=account_id,
        media=[r for r in wanted if r.id not in owned],
    )
    for position, record in enumerate(wanted):
        await conn.execute(
            _m.update()
            .where(_m.c.id == record.id, _m.c.status_id == status_id)
            .values(position=position)
        )


async def describe_media(
    conn: AsyncConnection,
    *,
    status_id: int,
    descriptions: Sequence[tuple[int, str | None, tuple[float, float] | None]],
) -> None:
    """New descriptions and focal points of a status's own attachments
    (``media_attributes[]`` of an edit); None leaves a value as it is."""
    for media_id, description, focus in descriptions:
        values: dict[str, object] = {}
        if description is not None:
            values["description"] = description
        if focus is not None:
            values["focus_x"], values["focus_y"] = focus
        if values:
            result = await conn.execute(
                _m.update().where(_m.c.id == media_id, _m.c.status_id == status_id).values(values)
            )
            if result.rowcount != 1:
                raise _invalid(f"Media {media_id} is not attached to this status")


async def attach_media(
    conn: AsyncConnection, *, status_id: int, account_id: int, media: Sequence[MediaRecord]
) -> None:
    """Attach (inside the status's transaction); ValidationFailed when a
    concurrent request attached or deleted one of them first."""
    for position, record in enumerate(media):
        result = await conn.execute(
            _m.update()
            .where(
                _m.c.id == record.id,
                _m.c.account_id == account_id,
                _m.c.status_id.is_(None),
            )
            .values(status_id=status_id, position=position)
        )
        if result.rowcount != 1:
            raise _invalid(f"Media {record.id} is no longer available")


async def release_media_of_statuses(
    conn: AsyncConnection, ids: IdGenerator, status_ids: Sequence[int]
) -> bool:
    """Delete the attachments of deleted statuses (inside the deleting
    transaction) and enqueue the removal of their files; True when any."""
    if not status_ids:
        return False
    rows = (
        await conn.execute(sa.select(*KEY_COLUMNS).where(_m.c.status_id.in_(list(status_ids))))
    ).all()
    if not rows:
        return False
    await conn.execute(_m.delete().where(_m.c.status_id.in_(list(status_ids))))
    keys = keys_of_rows(rows)
    if keys:
        await enqueue(conn, ids, "delete_blobs", {"keys": keys})
    return True


async def release_media_of_account(
    conn: AsyncConnection, ids: IdGenerator, account_id: int, *, limit: int
) -> int:
    """Delete up to ``limit`` of a deleted account's remaining attachments
    (uploads never attached; those of its statuses went with them) and
    enqueue the removal of their files; how many went."""
    rows = (
        await conn.execute(
            sa.select(_m.c.id, *KEY_COLUMNS)
            .where(_m.c.account_id == account_id)
            .order_by(_m.c.id)
            .limit(limit)
        )
    ).all()
    if not rows:
        return 0
    await conn.execute(_m.delete().where(_m.c.id.in_([int(r.id) for r in rows])))
    keys = keys_of_rows(r[1:] for r in rows)
    if keys:
        await enqueue(conn, ids, "delete_blobs", {"keys": keys})
    return len(rows)
