"""Finding the status an action applies to, as the acting account sees it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from roost.kernel.errors import NotFound
from roost.statuses.hydrate import load_with_originals
from roost.statuses.records import StatusRecord
from roost.statuses.visibility import visible_records

if TYPE_CHECKING:
    from roost.services import Services


async def visible_target(
    services: Services, status_id: int, *, viewer_id: int | None, primary: bool = True
) -> StatusRecord:
    """The status to act on: the original when ``status_id`` is a reblog (as
    Mastodon does for favourites, reblogs and bookmarks); 404 when it does not
    exist or the viewer may not see it. Reads the primary by default: the
    callers are about to write."""
    records = await load_with_originals(services, [status_id], primary=primary)
    record = records.get(status_id)
    if record is None or status_id not in await visible_records(services, records, viewer_id):
        raise NotFound()
    if record.reblog_of_id is not None:
        return records[record.reblog_of_id]
    return record


async def existing_target(services: Services, status_id: int) -> StatusRecord:
    """Like ``visible_target`` without the visibility rule: undoing a mark must
    work even when the status has since become hidden."""
    records = await load_with_originals(services, [status_id], primary=True)
    record = records.get(status_id)
    if record is None:
        raise NotFound()
    if record.reblog_of_id is not None:
        original = records.get(record.reblog_of_id)
        if original is None:
            raise NotFound()
        return original
    return record
