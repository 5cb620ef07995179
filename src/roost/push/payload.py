"""What a push says: the JSON Mastodon sends, built from the notification.

``{access_token, preferred_locale, notification_id, notification_type,
icon, title, body}``: clients show the title and body as they are and may
fetch the notification by its id with the token. The id is sent as a
string: Roost's ids are 64-bit and would lose digits as a JavaScript
number in a browser's service worker.
"""

from __future__ import annotations

import dataclasses
import html
import re
from typing import TYPE_CHECKING, Any

import msgspec
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.db import schema

if TYPE_CHECKING:
    from roost.config import Settings

BODY_CHARS = 140
_TAG = re.compile(r"<[^>]*>")
# The title of each type; {name} is who caused it.
_TITLES = {
    "mention": "{name} mentioned you",
    "status": "{name} posted",
    "reblog": "{name} boosted your post",
    "follow": "{name} followed you",
    "follow_request": "{name} asked to follow you",
    "favourite": "{name} favourited your post",
    "poll": "A poll by {name} has ended",
    "update": "{name} edited a post",
    "admin.sign_up": "{name} signed up",
    "admin.report": "{name} filed a report",
}
# The types a push is about a status for (no status left: no push).
STATUS_TYPES = frozenset({"mention", "status", "reblog", "favourite", "poll", "update"})


@dataclasses.dataclass(frozen=True, slots=True)
class Notice:
    """The notification a push is for, as the delivery job carries it."""

    notification_id: int
    type: str
    from_account_id: int
    status_id: int | None

    def to_payload(self) -> dict[str, Any]:
        return {
            "notification_id": self.notification_id,
            "type": self.type,
            "from_account_id": self.from_account_id,
            "status_id": self.status_id,
        }

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> Notice:
        status_id = payload.get("status_id")
        return cls(
            notification_id=int(payload["notification_id"]),
            type=str(payload["type"]),
            from_account_id=int(payload["from_account_id"]),
            status_id=None if status_id is None else int(status_id),
        )


@dataclasses.dataclass(frozen=True, slots=True)
class PushContent:
    preferred_locale: str
    icon: str
    title: str
    body: str


def _plain(text: str) -> str:
    return " ".join(html.unescape(_TAG.sub(" ", text)).split())


def _truncate(text: str) -> str:
    return text if len(text) <= BODY_CHARS else text[: BODY_CHARS - 1].rstrip() + "…"


def _icon(settings: Settings, avatar_url: str) -> str:
    base = settings.public_url.rstrip("/")
    if not avatar_url:
        return f"{base}/static/avatar-missing.png"
    if avatar_url.startswith(("http://", "https://")):
        return avatar_url
    return f"{base}/{avatar_url.lstrip('/')}"


async def load_content(
    conn: AsyncConnection, settings: Settings, notice: Notice, recipient_id: int
) -> PushContent | None:
    """The push's text, or None when what it is about is gone (the
    notification removed with its status, an account deleted)."""
    n = schema.notifications
    if await conn.scalar(sa.select(n.c.id).where(n.c.id == notice.notification_id)) is None:
        return None
    a = schema.accounts
    rows = (
        await conn.execute(
            sa.select(
                a.c.id, a.c.username, a.c.display_name, a.c.note, a.c.avatar_url, a.c.locale
            ).where(a.c.id.in_({notice.from_account_id, recipient_id}))
        )
    ).all()
    by_id = {r.id: r for r in rows}
    sender, recipient = by_id.get(notice.from_account_id), by_id.get(recipient_id)
    if sender is None or recipient is None:
        return None
    body = _plain(sender.note)
    if notice.status_id is not None:
        s = schema.statuses
        status = (
            await conn.execute(
                sa.select(s.c.text, s.c.spoiler_text).where(s.c.id == notice.status_id)
            )
        ).first()
        if status is None:
            return None
        body = _plain(status.spoiler_text or status.text)
    elif notice.type in STATUS_TYPES:
        return None
    name = sender.display_name.strip() or sender.username
    title = _TITLES.get(notice.type, "{name}").format(name=name)
    return PushContent(
        preferred_locale=recipient.locale or "en",
        icon=_icon(settings, sender.avatar_url),
        title=title,
        body=_truncate(body),
    )


def encode_payload(notice: Notice, content: PushContent, access_token: str | None) -> bytes:
    return msgspec.json.encode(
        {
            "access_token": access_token,
            "preferred_locale": content.preferred_locale,
            "notification_id": str(notice.notification_id),
            "notification_type": notice.type,
            "icon": content.icon,
            "title": content.title,
            "body": content.body,
        }
    )
