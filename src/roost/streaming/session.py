"""One streaming connection: its viewer, its streams, its bus subscription,
and the check and rendering of each event before it is sent.

Events on the bus carry an id only; here each one is rendered for this
viewer with the timelines' code (``statuses.wire``: visibility, the
viewer's flags) after dropping what the viewer blocks, is blocked by or
mutes, so a change of relationship applies to the next event.

A public or unlisted original status is rendered once per process and
shared: anonymous streams send it as is, signed-in viewers other than the
author with the flags of a viewer who has not marked it (a status is new
when its ``update`` goes out). Reblogs, followers-only statuses and one's
own are rendered per viewer.

A hot author's posts reach followers' ``user`` streams from the author's
channel; they get the checks the home timeline applies to such posts that
matter here (reblogs only if shown, no replies to others).
"""

from __future__ import annotations

import dataclasses
import weakref
from collections import OrderedDict
from typing import TYPE_CHECKING

from roost import lifecycle
from roost.conversations.service import render_for_stream
from roost.filters.matching import ContextFilters
from roost.filters.store import load_filters
from roost.infra.events import Event
from roost.infra.metrics import STREAMING_CONNECTIONS
from roost.lists.store import load_list
from roost.notifications import store as notification_store
from roost.notifications.wire import render_notifications
from roost.relationships.store import load_excluded_ids, load_hot_follows
from roost.statuses.records import DIRECT
from roost.statuses.store import load_status_blobs, load_statuses
from roost.statuses.wire import render_status_fragments, with_unmarked_flags
from roost.streaming.events import (
    CONVERSATION,
    DELETE,
    FILTERS_CHANGED,
    NOTIFICATION,
    REVOKED,
    STATUS_UPDATE,
    UPDATE,
    BusMessage,
    decode_message,
    revoked_channel,
)
from roost.streaming.streams import LIST, USER, BadStream, Stream

if TYPE_CHECKING:
    from roost.services import Services


@dataclasses.dataclass(frozen=True, slots=True)
class Outgoing:
    """An event to send: the streams it is for, its name and its payload
    (JSON text; a delete's payload is the id itself)."""

    streams: list[Stream]
    event: str
    payload: str


@dataclasses.dataclass(frozen=True, slots=True)
class _Shared:
    """What every stream of the process shares about one status: its author,
    whether it is a reblog (and of whom), and its anonymous rendering (None
    when not public or unlisted)."""

    author_id: int
    original_author_id: int | None
    anonymous: bytes | None
    # The cached record it was rendered from: an edit changes it.
    record: bytes | None = None


class _SharedStatuses:
    """Recent statuses' shared parts, by id, for the streams of a process
    (one post reaches every open stream at about the same time)."""

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self.items: OrderedDict[tuple[str, int], _Shared | None] = OrderedDict()

    async def get(
        self, services: Services, status_id: int, *, fresh: bool = False
    ) -> _Shared | None:
        """``fresh`` (for ``status.update``): render again when the status
        record changed since the kept rendering (one cache read)."""
        key = (services.settings.public_url, status_id)  # links depend on the URL
        blobs: dict[int, bytes] = {}
        if fresh:
            records, blobs = await load_status_blobs(services, [status_id])
            kept = self.items.get(key)
            if kept is not None and kept.record == blobs.get(status_id):
                return kept
        elif key in self.items:
            return self.items[key]
        else:
            records, blobs = await load_status_blobs(services, [status_id])
        record = records.get(status_id)
        shared: _Shared | None = None
        if record is not None:
            original = None
            if record.reblog_of_id is not None:
                found = await load_statuses(services, [record.reblog_of_id])
                original_record = found.get(record.reblog_of_id)
                original = original_record.account_id if original_record else None
            rendered = await render_status_fragments(services, [status_id], viewer_id=None)
            shared = _Shared(
                record.account_id, original, rendered.get(status_id), blobs.get(status_id)
            )
        self.items[key] = shared
        if len(self.items) > self.size:
            self.items.popitem(last=False)
        return shared


_shared = _SharedStatuses()


# The sessions open in this process, ended together when it stops serving.
_open_sessions: weakref.WeakSet[StreamSession] = weakref.WeakSet()


def close_all_sessions() -> None:
    """End every open stream of this process (the server is stopping: each
    client reconnects, through the balancer, to a server that is not)."""
    for session in list(_open_sessions):
        session.close()


lifecycle.on_stop(close_all_sessions)


class StreamSession:
    def __init__(
        self, services: Services, viewer_id: int | None, token_hash: str | None = None
    ) -> None:
        self.services = services
        self.viewer_id = viewer_id
        # Streams opened with a token end when it is revoked.
        self.token_hash = token_hash
        self.subscription = services.events.subscribe(limit=services.settings.streaming_queue_limit)
        self.streams: dict[Stream, list[str]] = {}
        self._hot: dict[int, bool] | None = None
        self._closed = False
        _open_sessions.add(self)
        STREAMING_CONNECTIONS.inc()

    @property
    def overflowed(self) -> bool:
        return self.subscription.overflowed

    async def add(self, stream: Stream) -> None:
        if stream.needs_user and self.viewer_id is None:
            raise BadStream(401, "Missing access token")
        if stream in self.streams:
            return
        hot: list[int] = []
        if self.token_hash is not None and not self.streams:
            await self.subscription.add([revoked_channel(self.token_hash)])
        if self.viewer_id is not None and not self.streams:
            # Warm the viewer's cached exclusions now: every event checks
            # them, and a post reaching many fresh streams would otherwise
            # send all of them to the database at once.
            await load_excluded_ids(self.services, self.viewer_id)
        if stream.name == USER and self.viewer_id is not None:
            self._hot = await load_hot_follows(self.services, self.viewer_id)
            hot = list(self._hot)
        if stream.name == LIST and self.viewer_id is not None:
            assert stream.tag is not None
            record = await load_list(self.services, int(stream.tag))
            if record is None or record.owner_id != self.viewer_id:
                raise BadStream(404, "Record not found")
            self._hot = {
                **await load_hot_follows(self.services, self.viewer_id),
                **(self._hot or {}),
            }
            members = set(record.members)
            hot = [a for a in self._hot if a in members]
        channels = stream.channels(self.viewer_id, hot)
        self.streams[stream] = channels
        await self.subscription.add(channels)

    def remove(self, stream: Stream) -> None:
        channels = self.streams.pop(stream, None)
        if channels is None:
            return
        still = {c for chans in self.streams.values() for c in chans}
        if self.token_hash is not None:
            still.add(revoked_channel(self.token_hash))
        self.subscription.remove([c for c in channels if c not in still])

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            _open_sessions.discard(self)
            STREAMING_CONNECTIONS.dec()
        self.subscription.close()

    async def next(self, wait: float | None) -> Outgoing | None:
        """The next event to send; None when ``wait`` seconds passed without
        one (time for a heartbeat). ``StopAsyncIteration`` when the
        subscription ended (closed, or dropped for falling behind)."""
        while True:
            event = await self.subscription.next(wait)
            if event is None:
                return None
            out = await self._prepare(event)
            if out is not None:
                return out

    async def _prepare(self, event: Event) -> Outgoing | None:
        try:
            message = decode_message(event.data)
        except Exception:
            return None
        if message.event == REVOKED:
            self.close()
            return None
        streams = [
            s
            for s, chans in self.streams.items()
            if event.channel in chans and s.takes(message.event, event.channel)
        ]
        if not streams:
            return None
        if message.event == DELETE:
            return Outgoing(streams, DELETE, str(message.id))
        if message.event == CONVERSATION:
            if self.viewer_id is None:
                return None
            rendered = await render_for_stream(
                self.services, viewer_id=self.viewer_id, status_id=message.id
            )
            return None if rendered is None else Outgoing(streams, CONVERSATION, rendered.decode())
        if message.event == FILTERS_CHANGED:
            # No payload (Mastodon's clients read "undefined").
            return Outgoing(streams, FILTERS_CHANGED, "undefined")
        if message.event == NOTIFICATION:
            payload = await self._notification(message)
        elif message.event in (UPDATE, STATUS_UPDATE):
            if event.channel.startswith("author:") and not await self._hot_admits(message.id):
                return None
            payload = await self._status(
                message.id, _context(streams), fresh=message.event == STATUS_UPDATE
            )
            if payload is not None:
                streams = [s for s in streams if not s.media_only or _has_media(payload)]
        else:
            return None
        if payload is None or not streams:
            return None
        return Outgoing(streams, message.event, payload)

    async def _status(self, status_id: int, context: str, *, fresh: bool = False) -> str | None:
        """The status as this viewer sees it, or None (gone, not visible,
        by or of an account the viewer blocks, is blocked by or mutes, or
        hidden by the viewer's filters of the stream's ``context``)."""
        shared = await _shared.get(self.services, status_id, fresh=fresh)
        if shared is None:
            return None
        if self.viewer_id is None:
            return shared.anonymous.decode() if shared.anonymous is not None else None
        excluded = await load_excluded_ids(self.services, self.viewer_id)
        if shared.author_id in excluded or shared.original_author_id in excluded:
            return None
        judge = ContextFilters(await load_filters(self.services, self.viewer_id), context)
        if judge:
            found = await render_status_fragments(
                self.services, [status_id], viewer_id=self.viewer_id, excluded=excluded, judge=judge
            )
            return found[status_id].decode() if status_id in found else None
        if (
            shared.anonymous is not None
            and shared.original_author_id is None
            and shared.author_id != self.viewer_id
            # A poll shows the viewer's own votes: rendered for each viewer.
            and b'"poll":null' in shared.anonymous
        ):
            # A public or unlisted original by someone else: the shared
            # rendering with the flags of a viewer who has not marked it.
            return with_unmarked_flags(shared.anonymous).decode()
        found = await render_status_fragments(
            self.services, [status_id], viewer_id=self.viewer_id, excluded=excluded
        )
        return found[status_id].decode() if status_id in found else None

    async def _hot_admits(self, status_id: int) -> bool:
        """A hot followed author's post, as the home timeline would take it."""
        record = (await load_statuses(self.services, [status_id])).get(status_id)
        if record is None or record.visibility == DIRECT:
            return False
        shows_reblogs = (self._hot or {}).get(record.account_id, True)
        if record.reblog_of_id is not None and not shows_reblogs:
            return False
        reply_to = record.in_reply_to_account_id
        return reply_to in (None, record.account_id, self.viewer_id)

    async def _notification(self, message: BusMessage) -> str | None:
        if self.viewer_id is None:
            return None
        row = await notification_store.get_row(
            self.services, viewer_id=self.viewer_id, notification_id=message.id
        )
        if row is None:
            return None
        shown = await render_notifications(self.services, [row], viewer_id=self.viewer_id)
        return shown[0].decode() if shown else None


def _context(streams: list[Stream]) -> str:
    """The filter context of a status event: public streams' or home's."""
    return "public" if all(s.name.startswith(("public", "hashtag")) for s in streams) else "home"


def _has_media(payload: str) -> bool:
    return '"media_attachments":[]' not in payload
