"""StatusRecord -> Mastodon Status JSON."""

from __future__ import annotations

from collections.abc import Mapping

import msgspec

from roost.accounts.entities import Account
from roost.accounts.records import AccountRecord
from roost.config import Settings
from roost.kernel.timefmt import format_datetime
from roost.media.serializers import serialize_media
from roost.statuses.content import tag_url
from roost.statuses.counters import ZERO, Counts
from roost.statuses.entities import Location, Mention, Poll, Status, Tag
from roost.statuses.records import VISIBILITIES, StatusRecord
from roost.statuses.visibility import BOOKMARKED, FAVOURITED, PINNED, REBLOGGED, ViewerState


def status_uri(settings: Settings, username: str, status_id: int) -> str:
    return f"{settings.public_url}/users/{username}/statuses/{status_id}"


def status_url(settings: Settings, username: str, status_id: int) -> str:
    return f"{settings.public_url}/@{username}/{status_id}"


def _location(record: StatusRecord) -> Location | None:
    if record.place_name is None and record.latitude is None:
        return None
    return Location(name=record.place_name, latitude=record.latitude, longitude=record.longitude)


def _id_or_none(value: int | None) -> str | None:
    return None if value is None else str(value)


def serialize_status(
    settings: Settings,
    record: StatusRecord,
    *,
    account: Account,
    mentioned: Mapping[int, AccountRecord],
    state: ViewerState,
    counts: Counts = ZERO,
    reblog: Status | None = None,
    poll: Poll | None = None,
) -> Status:
    """One Status; ``reblog`` is the already serialized original of a reblog
    (a reblog's own counts are zero: likes and replies go to the original)."""
    username = account.username
    if record.reblog_of_id is None:
        uri = status_uri(settings, username, record.id)
        url: str | None = status_url(settings, username, record.id)
    else:
        # A reblog has no page of its own; Mastodon points at the activity.
        uri = url = status_uri(settings, username, record.id) + "/activity"
    mentions = [
        Mention(
            id=str(m.id),
            username=m.username,
            url=f"{settings.public_url}/@{m.username}",
            acct=m.username,
        )
        for m in (mentioned.get(i) for i in record.mention_ids)
        if m is not None and not m.suspended
    ]
    status = Status(
        id=str(record.id),
        created_at=format_datetime(record.created_at),
        in_reply_to_id=_id_or_none(record.in_reply_to_id),
        in_reply_to_account_id=_id_or_none(record.in_reply_to_account_id),
        sensitive=record.sensitive,
        spoiler_text=record.spoiler_text,
        visibility=VISIBILITIES[record.visibility],
        language=record.language,
        uri=uri,
        url=url,
        replies_count=counts.replies,
        reblogs_count=counts.reblogs,
        favourites_count=counts.favourites,
        edited_at=None if record.edited_at is None else format_datetime(record.edited_at),
        content=record.content,
        reblog=reblog,
        account=account,
        media_attachments=[serialize_media(settings, m) for m in record.media],
        mentions=mentions,
        tags=[Tag(name=t, url=tag_url(settings.public_url, t)) for t in record.tags],
        emojis=[],
        poll=poll,
        location=_location(record),
    )
    if state.viewer_id is not None:
        # A reblog wrapper shows the viewer's marks on the original it carries,
        # so clients that act on the top-level status see the right state.
        marks = state.marks(record.reblog_of_id if record.reblog_of_id is not None else record.id)
        status.favourited = bool(marks & FAVOURITED)
        status.reblogged = bool(marks & REBLOGGED)
        status.bookmarked = bool(marks & BOOKMARKED)
        status.muted = False
        if record.account_id == state.viewer_id:
            status.pinned = bool(marks & PINNED)
    return status


def with_source(status: Status, text: str) -> Status:
    """The Status answered to a delete: with its source ``text`` (for redrafts)."""
    return msgspec.structs.replace(status, text=text)
