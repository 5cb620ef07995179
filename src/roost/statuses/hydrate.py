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
from collections.abc import Sequence, Set
from typing import TYPE_CHECKING

from roost.accounts.entities import Account
from roost.accounts.records import AccountRecord
from roost.accounts.serializers import serialize_account
from roost.accounts.store import account_key, load_accounts
from roost.api.errors import ApiError
from roost.statuses.counters import ZERO, Counts, counts_key, decode_cached, load_counts
from roost.statuses.entities import Status
from roost.statuses.records import StatusRecord
from roost.statuses.serializers import serialize_status
from roost.statuses.store import load_statuses, load_statuses_with
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


async def _load_with_counts(
    services: Services, status_ids: Sequence[int], *, primary: bool
) -> tuple[dict[int, StatusRecord], dict[str, bytes]]:
    """``load_with_originals``, also reading the cached counts of the same
    statuses in the same cache round trips; returns the cache values too."""
    records, values = await load_statuses_with(
        services, status_ids, extra_keys=map(counts_key, status_ids), primary=primary
    )
    originals = {
        r.reblog_of_id
        for r in records.values()
        if r.reblog_of_id is not None and r.reblog_of_id not in records
    }
    if originals:
        more, more_values = await load_statuses_with(
            services, originals, extra_keys=map(counts_key, originals), primary=primary
        )
        records.update(more)
        values.update(more_values)
    return records, values


@dataclasses.dataclass(slots=True)
class Batch:
    """Everything needed to render some statuses for one viewer."""

    # The statuses to show, in the order asked, each visible to the viewer
    # (reblogged original included) and not from an excluded account.
    shown: list[StatusRecord]
    records: dict[int, StatusRecord]  # shown ones and the originals of reblogs
    counts: dict[int, Counts]  # by original status id
    accounts: dict[int, AccountRecord]  # authors and mentioned accounts
    state: ViewerState
    # Cache values read or written on the way (encoded status and account
    # records among them), by cache key.
    values: dict[str, bytes]


def _excluded(record: StatusRecord, records: dict[int, StatusRecord], excluded: Set[int]) -> bool:
    if record.account_id in excluded:
        return True
    if record.reblog_of_id is None:
        return False
    original = records.get(record.reblog_of_id)
    return original is not None and original.account_id in excluded


async def load_batch(
    services: Services,
    status_ids: Sequence[int],
    *,
    viewer_id: int | None,
    primary: bool = False,
    excluded: Set[int] = frozenset(),
) -> Batch | None:
    """Load and filter ``status_ids`` for the viewer; None when nothing is left.

    ``excluded``: accounts whose statuses and reblogged statuses are dropped
    (the viewer's blocks and mutes, for feeds)."""
    if not status_ids:
        return None
    records, values = await _load_with_counts(services, status_ids, primary=primary)
    if not records:
        return None
    account_ids: dict[int, None] = {}
    for record in records.values():
        account_ids[record.account_id] = None
        for mentioned in record.mention_ids:
            account_ids[mentioned] = None
    needs = state_needs(viewer_id, records.values())
    keys = [account_key(i) for i in account_ids]
    if needs is not None:
        keys += needs.keys()
    # One round trip for the accounts and the viewer's relations and flags.
    cached = await services.cache.get_many(keys)
    state = await resolve_viewer_state(services, needs, cached)
    shown = [
        records[i]
        for i in status_ids
        if i in records
        and may_see_with_original(records[i], records, state)
        and not (excluded and _excluded(records[i], records, excluded))
    ]
    if not shown:
        return None
    # Only originals have counts: likes, reblogs and replies of a reblog go
    # to the status it reblogs.
    counted = {r.id if r.reblog_of_id is None else r.reblog_of_id for r in shown}
    counts = await load_counts(
        services, counted, cached=decode_cached(values, counted), primary=primary
    )
    accounts = await load_accounts(services, account_ids, cached=cached)
    values.update(cached)
    return Batch(shown, records, counts, accounts, state, values)


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
            if found is None:
                return None
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
    """One status, or 404 when it does not exist or the viewer may not see it."""
    found = await render_statuses(services, [status_id], viewer_id=viewer_id, primary=primary)
    if not found:
        raise ApiError(404, "Record not found")
    return found[0]
