"""The streams a client can ask for, by Mastodon name, and the bus channels
each one listens on.

``user`` (home updates, notifications, deletes), ``user:notification``
(notifications only), ``public``, ``public:local`` and ``public:remote``
(no remote statuses: Roost does not federate, so it stays silent),
``public:media`` and ``public:local:media``, ``hashtag`` and
``hashtag:local`` (with a tag), ``direct``, ``list`` (with the id of one
of the viewer's lists: ``Stream.tag`` holds it).
"""

from __future__ import annotations

import dataclasses

from roost.kernel.idtext import parse_id
from roost.statuses.content import normalize_tag
from roost.streaming.events import (
    DELETES,
    PUBLIC,
    author_channel,
    direct_channel,
    list_channel,
    tag_channel,
    user_channel,
)

USER, USER_NOTIFICATION, DIRECT = "user", "user:notification", "direct"
HASHTAG, HASHTAG_LOCAL, LIST = "hashtag", "hashtag:local", "list"
PUBLIC_STREAMS = frozenset(
    {
        "public",
        "public:local",
        "public:remote",
        "public:media",
        "public:local:media",
        "public:remote:media",
    }
)
USER_STREAMS = frozenset({USER, USER_NOTIFICATION, DIRECT, LIST})
KNOWN = PUBLIC_STREAMS | USER_STREAMS | {HASHTAG, HASHTAG_LOCAL, LIST}


class BadStream(Exception):
    """A stream that cannot be opened: ``status`` is the HTTP status of the
    refusal (400 unknown or incomplete, 401 needs a user token, 404 not one
    of the viewer's lists)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclasses.dataclass(frozen=True, slots=True)
class Stream:
    """One subscribed stream: its Mastodon name (and tag), and what it takes."""

    name: str
    tag: str | None = None

    @property
    def label(self) -> list[str]:
        """The ``stream`` field of a WebSocket message."""
        return [self.name] if self.tag is None else [self.name, self.tag]

    @property
    def needs_user(self) -> bool:
        return self.name in USER_STREAMS

    @property
    def media_only(self) -> bool:
        return self.name.endswith(":media")

    @property
    def remote_only(self) -> bool:
        return self.name.startswith("public:remote")

    def channels(self, viewer_id: int | None, hot_follows: list[int]) -> list[str]:
        if self.name == USER:
            assert viewer_id is not None
            return [user_channel(viewer_id), *map(author_channel, hot_follows)]
        if self.name == USER_NOTIFICATION:
            assert viewer_id is not None
            return [user_channel(viewer_id)]
        if self.name == DIRECT:
            assert viewer_id is not None
            return [direct_channel(viewer_id)]
        if self.name == LIST:
            # ``hot_follows`` here: the list's hot members (not fanned out).
            assert self.tag is not None
            return [list_channel(int(self.tag)), *map(author_channel, hot_follows)]
        if self.remote_only:
            return []
        if self.tag is not None:
            return [tag_channel(self.tag), DELETES]
        return [PUBLIC, DELETES]

    def takes(self, event: str, channel: str) -> bool:
        """Whether a bus event on ``channel`` belongs on this stream."""
        if self.name == USER_NOTIFICATION:
            return event == "notification"
        if self.name == DIRECT:
            return event == "conversation"
        if self.name == USER:
            return True
        return event in ("update", "status.update", "delete")


def parse_stream(name: str | None, tag: str | None = None, list_id: str | None = None) -> Stream:
    """The stream a client named, or the domain error to answer with
    (whether a list is the viewer's is checked when it is subscribed)."""
    if not name:
        raise BadStream(400, "Missing stream name")
    if name not in KNOWN:
        raise BadStream(400, "Unknown stream type")
    if name == LIST:
        parsed = parse_id(list_id)
        if parsed is None:
            raise BadStream(400, "Missing list id")
        return Stream(name, str(parsed))
    if name in (HASHTAG, HASHTAG_LOCAL):
        normalized = normalize_tag(tag or "")
        if not normalized:
            raise BadStream(400, "Missing hashtag name")
        return Stream(name, normalized)
    return Stream(name)
