"""Timeline pages as JSON bytes, spliced from cached fragments.

Building msgspec entities for 20 statuses and their authors and encoding
them costs more than everything else a warm timeline read does. Most of a
Status does not depend on the viewer or on its counters: that part is
encoded once and kept in the process, keyed by the exact bytes of the
cached status record (plus the public URL and the author's username, which
the links are made of). A changed record has other bytes, so a fragment can
never be stale, even when other processes change the record in a shared
cache. Accounts likewise, keyed by their cached record bytes.

Per request only the small parts are written around them: counts, the
viewer's flags, mentions, the author's fragment and the reblogged status.
The result parses to exactly what ``render_statuses`` gives (see the tests).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence, Set
from typing import TYPE_CHECKING, Any, Protocol

import msgspec

from roost.accounts.records import AccountRecord
from roost.accounts.serializers import serialize_account
from roost.accounts.store import decode_account
from roost.config import Settings
from roost.statuses.counters import ZERO
from roost.statuses.entities import Mention
from roost.statuses.hydrate import Batch, Known, load_batch
from roost.statuses.records import StatusRecord
from roost.statuses.serializers import serialize_status
from roost.statuses.visibility import ANONYMOUS, BOOKMARKED, FAVOURITED, PINNED, REBLOGGED

if TYPE_CHECKING:
    from roost.services import Services

# Bounds of the in-process fragment caches (entries), per public URL. A
# fragment is about the size of its JSON (~0.5-2 KB), so each cache stays in
# the tens of MB.
STATUS_FRAGMENTS = 16_384
ACCOUNT_FRAGMENTS = 8_192

# Keys written per request, after the cached part; everything else of a
# Status is in its fragment.
_DYNAMIC = frozenset(
    {
        "replies_count",
        "reblogs_count",
        "favourites_count",
        "account",
        "reblog",
        "mentions",
        "favourited",
        "reblogged",
        "muted",
        "bookmarked",
        "pinned",
        "poll",
    }
)

_encode = msgspec.json.encode
_decode = msgspec.json.decode
# The account fragment of a suspended account: there is none to show.
_SUSPENDED = ("", b"")


class _Fragments:
    """Encoded JSON (with what else goes along) by key, bounded: the oldest
    insertion goes first (a hit costs one lookup and no reordering; an
    evicted fragment is simply built again)."""

    def __init__(self, limit: int) -> None:
        self.items: OrderedDict[Any, Any] = OrderedDict()
        self.limit = limit

    def put(self, key: Any, value: Any) -> None:
        self.items[key] = value
        if len(self.items) > self.limit:
            self.items.popitem(last=False)


# By public URL (the links in a fragment are made of it): status fragments
# keyed by (record bytes, author username); (username, account JSON) keyed by
# account record bytes.
_caches: dict[str, tuple[_Fragments, _Fragments]] = {}


def _fragments(settings: Settings) -> tuple[_Fragments, _Fragments]:
    found = _caches.get(settings.public_url)
    if found is None:
        found = _caches[settings.public_url] = (
            _Fragments(STATUS_FRAGMENTS),
            _Fragments(ACCOUNT_FRAGMENTS),
        )
    return found


def clear_fragments() -> None:
    """Forget every fragment (tests; never needed for correctness)."""
    _caches.clear()


def _viewer_flags(marks: int, own: bool) -> bytes:
    parts = [
        b',"favourited":',
        b"true" if marks & FAVOURITED else b"false",
        b',"reblogged":',
        b"true" if marks & REBLOGGED else b"false",
        b',"muted":false,"bookmarked":',
        b"true" if marks & BOOKMARKED else b"false",
    ]
    if own:
        parts.append(b',"pinned":true' if marks & PINNED else b',"pinned":false')
    return b"".join(parts)


# Every combination of the four marks, and whether the viewer is the author.
_FLAGS = {(m, own): _viewer_flags(m, own) for m in range(16) for own in (False, True)}


def _static_json(settings: Settings, record: StatusRecord, author: AccountRecord) -> bytes:
    """The viewer-independent part of a Status, as an unclosed JSON object."""
    # The same serializer as render_statuses, so both paths agree field by
    # field; only the per-request keys are taken out.
    entity = serialize_status(
        settings,
        record,
        account=serialize_account(settings, author),
        mentioned={},
        state=ANONYMOUS,
    )
    fields = _decode(_encode(entity))
    for name in _DYNAMIC:
        fields.pop(name, None)
    return _encode(fields)[:-1]


# A Status: its fragment, then the keys written per request (the viewer's
# flags and the filter verdict are empty for anonymous or unfiltered reads).
_SPLICE = (
    b'%b,"replies_count":%d,"reblogs_count":%d,"favourites_count":%d,"account":%b'
    b',"reblog":%b,"mentions":%b,"poll":%b%b%b}'
)


class Judge(Protocol):
    """The viewer's filters in the context of the rendering (``roost.filters``):
    (hidden, the ``filtered`` array's JSON or None) for a status's text."""

    def verdict(self, status_id: int, text: str) -> tuple[bool, bytes | None]: ...


def _text(record: StatusRecord) -> str:
    return f"{record.spoiler_text}\n\n{record.text}" if record.spoiler_text else record.text


class _Writer:
    """Writes the statuses of one batch."""

    def __init__(self, settings: Settings, batch: Batch, judge: Judge | None = None) -> None:
        self.settings = settings
        self.batch = batch
        self.judge = judge
        self.statuses, self.accounts = _fragments(settings)
        self.viewer = batch.state.viewer_id

    def account_record(self, account_id: int) -> AccountRecord | None:
        raw = self.batch.account_blobs.get(account_id)
        if raw is not None:
            return decode_account(raw)
        return self.batch.accounts.get(account_id)

    def account(self, account_id: int) -> tuple[str, bytes] | None:
        """(username, Account JSON) of an account; None when it does not
        exist or is suspended (its statuses are then dropped everywhere)."""
        raw = self.batch.account_blobs.get(account_id)
        if raw is None:
            record = self.batch.accounts.get(account_id)
            if record is None or record.suspended:
                return None
            return record.username, _encode(serialize_account(self.settings, record))
        items = self.accounts.items
        entry = items.get(raw)
        if entry is None:
            record = decode_account(raw)
            entry = (
                _SUSPENDED
                if record.suspended
                else (record.username, _encode(serialize_account(self.settings, record)))
            )
            self.accounts.put(raw, entry)
        return None if entry is _SUSPENDED else entry

    def mentions(self, record: StatusRecord) -> bytes:
        found = (self.account(i) for i in record.mention_ids)
        public_url = self.settings.public_url
        return _encode(
            [
                Mention(id=str(i), username=m[0], url=f"{public_url}/@{m[0]}", acct=m[0])
                for i, m in zip(record.mention_ids, found, strict=True)
                if m is not None
            ]
        )

    def status(self, record: StatusRecord) -> bytes | None:
        """One Status, or None when an account it shows is missing (as
        render_statuses drops it)."""
        batch = self.batch
        author = self.account(record.account_id)
        if author is None:
            return None
        reblog_of = record.reblog_of_id
        if reblog_of is None:
            reblog = b"null"
            target = record.id
            counts = batch.counts.get(target, ZERO)
        else:
            inner = self.status(batch.records[reblog_of])
            if inner is None:
                return None
            reblog = inner
            target = reblog_of
            counts = ZERO
        filtered = None
        if self.judge is not None:
            proper = record if reblog_of is None else batch.records[reblog_of]
            hidden, filtered = self.judge.verdict(proper.id, _text(proper))
            if hidden:
                return None
        raw = batch.status_blobs.get(record.id)
        username = author[0]
        key = (raw, username)
        items = self.statuses.items
        static = items.get(key) if raw is not None else None
        if static is None:
            author_record = self.account_record(record.account_id)
            assert author_record is not None  # self.account found it
            static = _static_json(self.settings, record, author_record)
            if raw is not None:
                self.statuses.put(key, static)
        # One formatting operation for the per-request keys (cheaper than
        # joining a list of a dozen parts).
        return _SPLICE % (
            static,
            counts.replies,
            counts.reblogs,
            counts.favourites,
            author[1],
            reblog,
            self.mentions(record) if record.mention_ids else b"[]",
            b"null" if record.poll_id is None else _encode(batch.poll(record)),
            b""
            if self.viewer is None
            else _FLAGS[batch.state.flags.get(target, 0), record.account_id == self.viewer],
            b"" if filtered is None else b',"filtered":' + filtered,
        )


def write_batch(settings: Settings, batch: Batch | None, judge: Judge | None = None) -> bytes:
    """The JSON array of the batch's statuses, in order (less those the
    viewer's filters hide)."""
    if batch is None:
        return b"[]"
    writer = _Writer(settings, batch, judge)
    parts = [part for part in map(writer.status, batch.shown) if part is not None]
    return b"[" + b",".join(parts) + b"]"


async def render_statuses_json(
    services: Services,
    status_ids: Sequence[int],
    *,
    viewer_id: int | None,
    excluded: Set[int] | None = None,
    judge: Judge | None = None,
    known: Known | None = None,
) -> bytes:
    """``render_statuses`` as a JSON array; for feeds, ``excluded`` is the
    viewer's ``load_excluded_ids`` (see ``load_batch``); ``judge``: the
    viewer's filters of the timeline's context; ``known``: records the
    caller read already."""
    batch = await load_batch(
        services,
        status_ids,
        viewer_id=viewer_id,
        excluded=excluded,
        decode_accounts=False,
        known=known,
    )
    return write_batch(services.settings, batch, judge)


async def render_status_fragments(
    services: Services,
    status_ids: Sequence[int],
    *,
    viewer_id: int | None,
    excluded: Set[int] | None = None,
    judge: Judge | None = None,
) -> dict[int, bytes]:
    """Each status the viewer may see among ``status_ids`` as its own Status
    JSON, by id (to splice into other entities: notifications, stream
    events); the others (and those ``judge`` hides) are missing from the
    answer."""
    batch = await load_batch(
        services, status_ids, viewer_id=viewer_id, excluded=excluded, decode_accounts=False
    )
    if batch is None:
        return {}
    writer = _Writer(services.settings, batch, judge)
    found: dict[int, bytes] = {}
    for record in batch.shown:
        part = writer.status(record)
        if part is not None:
            found[record.id] = part
    return found


def with_unmarked_flags(anonymous: bytes) -> bytes:
    """An anonymous Status JSON (``viewer_id=None``) as a signed-in viewer
    who has not favourited, reblogged or bookmarked it and is not its author
    sees it: the same bytes ``render_status_fragments`` gives that viewer.
    Streams send a new status this way to many viewers after one rendering."""
    return anonymous[:-1] + _FLAGS[0, False] + b"}"
