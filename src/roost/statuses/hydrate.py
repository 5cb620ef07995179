"""Turn status ids into Mastodon Status entities for one viewer, in bulk.

The cost is constant whatever the number of ids, and warm it is cache reads
only: one round trip for the statuses and their counts, the same again for
the originals of reblogs (only when some are not in the first batch), and
one for the accounts (authors and mentioned) together with the viewer's
state (relations with the authors, favourited/bookmarked/reblogged flags).
Misses cost one batch of queries per kind (records, counts, accounts,
relations, flags), never one query per status.

``load_batch`` does the loading and the visibility rules; ``render_statuses``
builds msgspec entities from it, and ``statuses.wire`` the JSON of timeline
pages straight from cached fragments.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence, Set
from datetime import datetime
from typing import TYPE_CHECKING

from roost.accounts.entities import Account
from roost.accounts.records import AccountRecord
from roost.accounts.serializers import serialize_account
from roost.accounts.store import load_accounts
from roost.kernel.cachekeys import ACCOUNT_PREFIX, COUNTS_PREFIX
from roost.kernel.errors import NotFound
from roost.statuses.counters import ZERO, Counts, decode_counts, load_counts
from roost.statuses.entities import Poll, Status
from roost.statuses.polls import PollState, load_poll_states, now_of, serialize_poll
from roost.statuses.records import StatusRecord
from roost.statuses.serializers import serialize_status
from roost.statuses.store import load_status_blobs, load_statuses
from roost.statuses.visibility import (
    ViewerState,
    may_see_with_original,
    resolve_viewer_state,
    state_needs,
)

if TYPE_CHECKING:
    from roost.services import Services


async def load_with_originals(
    services: Services, status_ids: Sequence[int], *, primary: bool = False
) -> dict[int, StatusRecord]:
    """The records of ``status_ids`` plus the originals their reblogs point at."""
    records = await load_statuses(services, status_ids, primary=primary)
    originals = {
        r.reblog_of_id
        for r in records.values()
        if r.reblog_of_id is not None and r.reblog_of_id not in records
    }
    if originals:
        records.update(await load_statuses(services, originals, primary=primary))
    return records


# Records a caller has read already (by id) and their cached bytes.
Known = tuple[Mapping[int, StatusRecord], Mapping[int, bytes]]


async def _load_records(
    services: Services, status_ids: Sequence[int], *, primary: bool, known: Known | None = None
) -> tuple[dict[int, StatusRecord], dict[int, bytes]]:
    """``load_with_originals``, also returning the encoded records by id;
    those in ``known`` are not read again."""
    if known is None:
        records, blobs = await load_status_blobs(services, status_ids, primary=primary)
    else:
        have, have_blobs = known
        records, blobs = {}, {}
        missing: list[int] = []
        for i in status_ids:
            record = have.get(i)
            if record is None:
                missing.append(i)
                continue
            records[i] = record
            blob = have_blobs.get(i)
            if blob is not None:
                blobs[i] = blob
        if missing:
            more, more_blobs = await load_status_blobs(services, missing, primary=primary)
            records.update(more)
            blobs.update(more_blobs)
    originals = {
        r.reblog_of_id
        for r in records.values()
        if r.reblog_of_id is not None and r.reblog_of_id not in records
    }
    if originals:
        more, more_blobs = await load_status_blobs(services, originals, primary=primary)
        records.update(more)
        blobs.update(more_blobs)
    return records, blobs


@dataclasses.dataclass(slots=True)
class Batch:
    """Everything needed to render some statuses for one viewer."""

    # The statuses to show, in the order asked, each visible to the viewer
    # (reblogged original included) and not from an excluded account.
    shown: list[StatusRecord]
    records: dict[int, StatusRecord]  # shown ones and the originals of reblogs
    counts: dict[int, Counts]  # by original status id
    accounts: dict[int, AccountRecord]  # authors and mentioned accounts (see load_batch)
    state: ViewerState
    # The cached (msgpack) form of status and account records, by id, where
    # known; statuses.wire keys its fragments with them.
    status_blobs: dict[int, bytes]
    account_blobs: dict[int, bytes]
    # The polls of the shown statuses (and reblogged originals), by poll id,
    # with the viewer's votes, and the moment they are shown at.
    polls: dict[int, PollState] = dataclasses.field(default_factory=dict)
    now: datetime | None = None

    def poll(self, record: StatusRecord) -> Poll | None:
        """The Poll entity of a status, as of ``now``."""
        if record.poll_id is None:
            return None
        state = self.polls.get(record.poll_id)
        if state is None or self.now is None:
            return None
        return serialize_poll(state, self.now)


def _excluded(record: StatusRecord, records: dict[int, StatusRecord], excluded: Set[int]) -> bool:
    if record.account_id in excluded:
        return True
    if record.reblog_of_id is None:
        return False
    original = records.get(record.reblog_of_id)
    return original is not None and original.account_id in excluded


def _pick(ids: Sequence[int], keys: Sequence[str], cached: Mapping[str, bytes]) -> dict[int, bytes]:
    return {i: v for i, k in zip(ids, keys, strict=True) if (v := cached.get(k)) is not None}


async def load_batch(
    services: Services,
    status_ids: Sequence[int],
    *,
    viewer_id: int | None,
    primary: bool = False,
    excluded: Set[int] | None = None,
    decode_accounts: bool = True,
    known: Known | None = None,
) -> Batch | None:
    """Load and filter ``status_ids`` for the viewer; None when nothing is left.

    ``excluded``: for feeds, the viewer's ``load_excluded_ids`` (accounts
    blocked either way, and muted): their statuses and reblogs of their
    statuses are dropped, and since it holds every block, relationships are
    only read for the authors of private statuses. Without
    ``decode_accounts``, ``Batch.accounts`` holds only the accounts that
    were not in the cache (the others are in ``account_blobs``). ``known``:
    records the caller read already (a user timeline page), not read again."""
    if not status_ids:
        return None
    records, status_blobs = await _load_records(services, status_ids, primary=primary, known=known)
    if not records:
        return None
    authors: dict[int, None] = {}
    counted: list[int] = []
    for record in records.values():
        authors[record.account_id] = None
        if record.reblog_of_id is None:
            counted.append(record.id)
            if record.mention_ids:
                for mentioned in record.mention_ids:
                    authors[mentioned] = None
    account_ids = list(authors)
    # The keys of kernel.cachekeys, written out: a call per key cost more.
    account_keys = [ACCOUNT_PREFIX + str(i) for i in account_ids]
    count_keys = [COUNTS_PREFIX + str(i) for i in counted]
    needs = state_needs(viewer_id, records.values(), blocked=excluded)
    # One round trip for the accounts, the counts, and the viewer's
    # relations and flags.
    cached = await services.cache.get_many(
        [*account_keys, *count_keys, *(needs.keys if needs is not None else ())]
    )
    state = await resolve_viewer_state(services, needs, cached)
    shown: list[StatusRecord] = []
    for i in status_ids:
        candidate = records.get(i)
        if (
            candidate is not None
            and may_see_with_original(candidate, records, state)
            and not (excluded and _excluded(candidate, records, excluded))
        ):
            shown.append(candidate)
    if not shown:
        return None
    # Only originals have counts: likes, reblogs and replies of a reblog go
    # to the status it reblogs.
    wanted = {r.id if r.reblog_of_id is None else r.reblog_of_id for r in shown}
    counts: dict[int, Counts] = {}
    for i, key in zip(counted, count_keys, strict=True):
        raw = cached.get(key)
        if raw is not None:
            counts[i] = decode_counts(raw)
    if not wanted.issubset(counts):
        counts = await load_counts(services, wanted, cached=counts, primary=primary)
    account_blobs = _pick(account_ids, account_keys, cached)
    if decode_accounts:
        accounts = await load_accounts(services, account_ids, cached=account_blobs)
    else:
        missing = [i for i in account_ids if i not in account_blobs]
        accounts = await load_accounts(services, missing, cached={})
    batch = Batch(shown, records, counts, accounts, state, status_blobs, account_blobs)
    poll_ids = [r.poll_id for r in _with_originals(shown, records) if r.poll_id is not None]
    if poll_ids:
        batch.polls = await load_poll_states(services, poll_ids, viewer_id=viewer_id)
        batch.now = now_of(services)
    return batch


def _with_originals(
    shown: list[StatusRecord], records: dict[int, StatusRecord]
) -> list[StatusRecord]:
    found = list(shown)
    for record in shown:
        if record.reblog_of_id is not None and record.reblog_of_id in records:
            found.append(records[record.reblog_of_id])
    return found


async def render_statuses(
    services: Services,
    status_ids: Sequence[int],
    *,
    viewer_id: int | None,
    primary: bool = False,
) -> list[Status]:
    """Statuses in the order given, dropping ids that do not exist or that the
    viewer may not see. ``primary`` reads the primary database (right after a
    write, to avoid replica lag)."""
    batch = await load_batch(services, status_ids, viewer_id=viewer_id, primary=primary)
    if batch is None:
        return []
    settings = services.settings
    accounts, records, counts, state = batch.accounts, batch.records, batch.counts, batch.state
    serialized: dict[int, Account] = {}

    def account_entity(account_id: int) -> Account | None:
        entity = serialized.get(account_id)
        if entity is None:
            found = accounts.get(account_id)
            if found is None or found.suspended:
                return None  # a suspended author's statuses are hidden everywhere
            entity = serialized[account_id] = serialize_account(settings, found)
        return entity

    def build(record: StatusRecord) -> Status | None:
        author = account_entity(record.account_id)
        if author is None:
            return None
        reblog = None
        if record.reblog_of_id is not None:
            reblog = build(records[record.reblog_of_id])
            if reblog is None:
                return None
        return serialize_status(
            settings,
            record,
            account=author,
            mentioned=accounts,
            state=state,
            counts=ZERO if reblog is not None else counts.get(record.id, ZERO),
            reblog=reblog,
            poll=batch.poll(record),
        )

    result: list[Status] = []
    for record in batch.shown:
        status = build(record)
        if status is not None:
            result.append(status)
    return result


async def render_status(
    services: Services, status_id: int, *, viewer_id: int | None, primary: bool = False
) -> Status:
    """One status, or 404 when it does not exist or the viewer may not see it.

    Also what write endpoints answer after their commit: a dead pooled
    connection met here costs a retry, not a 500 for a committed write."""
    found = await services.db.once_more_on_disconnect(
        lambda: render_statuses(services, [status_id], viewer_id=viewer_id, primary=primary)
    )
    if not found:
        raise NotFound()
    return found[0]
