"""Notifications as JSON bytes: the actor's Account and the status (spliced
from the statuses' cached fragments, ``statuses.wire``) rendered for the
receiver. A notification whose status the receiver may no longer see, or
whose actor is gone, is left out."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

import msgspec

from roost.accounts.serializers import serialize_account
from roost.accounts.store import load_accounts
from roost.filters.matching import ContextFilters
from roost.filters.store import load_filters
from roost.kernel.timefmt import format_datetime
from roost.notifications.create import NotificationRow
from roost.notifications.outbox import FAVOURITE, FOLLOW, REBLOG
from roost.notifications.reports import render_reports
from roost.statuses.wire import render_status_fragments

if TYPE_CHECKING:
    from roost.services import Services

_encode = msgspec.json.encode

# Notifications grouped by default in /api/v2/notifications (as Mastodon).
GROUPABLE = frozenset({FAVOURITE, FOLLOW, REBLOG})
# The time window of one group: notifications of a kind about one status
# within the same window share a group key.
GROUP_WINDOW_SECONDS = 3600


def window_of(moment: datetime) -> int:
    return int(moment.timestamp()) // GROUP_WINDOW_SECONDS


def group_key(row: NotificationRow, grouped: frozenset[str] = GROUPABLE) -> str:
    if row.type not in grouped:
        return f"ungrouped-{row.id}"
    if row.type == FOLLOW:
        return f"follow-{window_of(row.created_at)}"
    return f"{row.type}-{row.status_id}-{window_of(row.created_at)}"


class Rendered:
    """The accounts and statuses a set of notifications shows, as JSON."""

    def __init__(
        self,
        accounts: dict[int, bytes],
        statuses: dict[int, bytes],
        reports: dict[int, bytes] | None = None,
    ) -> None:
        self.accounts = accounts
        self.statuses = statuses
        self.reports = reports or {}

    def shows(self, row: NotificationRow) -> bool:
        if row.from_account_id not in self.accounts:
            return False
        if row.report_id:
            return row.report_id in self.reports
        return row.about_status == 0 or row.about_status in self.statuses


async def render_parts(
    services: Services, rows: Sequence[NotificationRow], *, viewer_id: int
) -> Rendered:
    """The Account of each actor and the Status of each status, for the viewer."""
    records = await load_accounts(services, {r.from_account_id for r in rows})
    # Notifications from suspended accounts are hidden like their statuses.
    accounts = {
        i: _encode(serialize_account(services.settings, r))
        for i, r in records.items()
        if not r.suspended
    }
    status_ids = list(dict.fromkeys(r.about_status for r in rows if r.about_status))
    # A status hidden by the viewer's notification filters takes its
    # notification with it (``shows``); warn filters mark the status.
    judge = ContextFilters(await load_filters(services, viewer_id), "notifications")
    statuses = await render_status_fragments(
        services, status_ids, viewer_id=viewer_id, judge=judge if judge else None
    )
    report_ids = [r.report_id for r in rows if r.report_id]
    reports = await render_reports(services, report_ids) if report_ids else {}
    return Rendered(accounts, statuses, reports)


def write_notification(row: NotificationRow, parts: Rendered) -> bytes:
    head = _encode(
        {
            "id": str(row.id),
            "type": row.type,
            "created_at": format_datetime(row.created_at),
            "group_key": group_key(row),
        }
    )[:-1]
    out = [head, b',"account":', parts.accounts[row.from_account_id]]
    if row.about_status:
        out += [b',"status":', parts.statuses[row.about_status]]
    if row.report_id:
        out += [b',"report":', parts.reports[row.report_id]]
    out.append(b"}")
    return b"".join(out)


async def render_notifications(
    services: Services, rows: Sequence[NotificationRow], *, viewer_id: int
) -> list[bytes]:
    """Each notification the viewer may see among ``rows``, in order."""
    if not rows:
        return []
    parts = await render_parts(services, rows, viewer_id=viewer_id)
    return [write_notification(r, parts) for r in rows if parts.shows(r)]
