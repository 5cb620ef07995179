"""Turn status ids into Mastodon Status entities for one viewer, in bulk.

The cost is constant whatever the number of ids: one cache round trip for
the statuses (and one batch of queries for the misses), the same again for
the originals of reblogs, one for the accounts (authors and mentioned), and
one query for the viewer's relations and marks. Never one query per status.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from roost.accounts.entities import Account
from roost.accounts.serializers import serialize_account
from roost.accounts.store import load_accounts
from roost.api.errors import ApiError
from roost.statuses.entities import Status
from roost.statuses.records import StatusRecord
from roost.statuses.serializers import serialize_status
from roost.statuses.store import load_statuses
from roost.statuses.visibility import load_viewer_state, may_see_with_original

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
    if not status_ids:
        return []
    records = await load_with_originals(services, status_ids, primary=primary)
    if not records:
        return []
    state = await load_viewer_state(services, viewer_id, records.values(), primary=primary)
    shown = [
        records[i]
        for i in status_ids
        if i in records and may_see_with_original(records[i], records, state)
    ]
    if not shown:
        return []
    account_ids: set[int] = set()
    for record in shown:
        account_ids.add(record.account_id)
        if record.reblog_of_id is not None:
            original = records[record.reblog_of_id]
            account_ids.add(original.account_id)
            account_ids.update(original.mention_ids)
        else:
            account_ids.update(record.mention_ids)
    accounts = await load_accounts(services, account_ids)
    settings = services.settings
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
            settings, record, account=author, mentioned=accounts, state=state, reblog=reblog
        )

    result: list[Status] = []
    for record in shown:
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
