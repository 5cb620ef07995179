"""Keeping the public timeline's list (``ptl:public``) and the hashtag
timelines' lists (``ttl:<tag>``) current in the timeline store, right after
the commits that change them.

Which list a status belongs in is decided here, once, for the posting path
and for the fan-out job: every public original goes in the list of each of
its hashtags, and those that are not replies to another account in the
public list. The lists are a superset of what the timelines show: readers
(``roost.timelines.public``) judge each record again (visibility, replies,
tags, media) and leave out moderated authors and the viewer's blocks and
mutes, so a moderation or a block needs no write here.

Posting pushes to these lists in the same call as to the author's own list
(``remember_authored``), editing with ``remember_public``. These calls are
the fast path, for read-your-writes: the ``fanout_status``
and ``announce_status_edit`` jobs, enqueued in the same transaction, push
the same ids again (an idempotent push), which is what guarantees it when
Redis was unreachable here after the commit. A missing list is rebuilt from
the database by its first reader, so a push only ever adds to a list that
exists.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from typing import TYPE_CHECKING

from roost.infra.resilient import BackendUnavailable
from roost.kernel.cachekeys import public_timeline_key, tag_timeline_key
from roost.statuses.records import PUBLIC, StatusRecord

if TYPE_CHECKING:
    from roost.services import Services


def public_list_keys(
    *,
    account_id: int,
    visibility: int,
    reblog_of_id: int | None,
    in_reply_to_account_id: int | None,
    tags: Iterable[str],
) -> list[str]:
    """The public and hashtag lists a status goes in (none for a reblog or
    a status that is not public). A reply to oneself (a thread) stays in
    the public list, as in Mastodon's public timeline."""
    if visibility != PUBLIC or reblog_of_id is not None:
        return []
    keys = [tag_timeline_key(name) for name in sorted(set(tags))]
    if in_reply_to_account_id is None or in_reply_to_account_id == account_id:
        keys.append(public_timeline_key())
    return keys


def record_list_keys(record: StatusRecord) -> list[str]:
    """``public_list_keys`` of a status record."""
    return public_list_keys(
        account_id=record.account_id,
        visibility=record.visibility,
        reblog_of_id=record.reblog_of_id,
        in_reply_to_account_id=record.in_reply_to_account_id,
        tags=record.tags,
    )


async def remember_public(services: Services, record: StatusRecord) -> None:
    """Add a just-committed (or just-edited) status to the public and
    hashtag lists it belongs in; an edit that adds a hashtag so lands in
    that hashtag's list (one it no longer has is skipped by the readers)."""
    keys = record_list_keys(record)
    if not keys:
        return
    # When Redis is unreachable, the status's job pushes it later.
    with contextlib.suppress(BackendUnavailable):
        await services.timelines.push(keys, record.id)
