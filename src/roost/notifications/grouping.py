"""Grouped notifications (``/api/v2/notifications``): favourites and
reblogs of one status, and follows, within one time window share a group.

A page is made from one read of up to ``WINDOW_FACTOR`` x ``limit`` raw
notifications: groups are formed in order, newest first, and the page ends
before the first notification of the group past ``limit``; the Link header
and each group's ``page_min_id``/``page_max_id`` cover exactly the
notifications consumed. ``notifications_count`` counts the whole group, in
and beyond the page.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import msgspec

from roost.admin.entities import Report
from roost.kernel.paging import Page
from roost.kernel.timefmt import format_datetime
from roost.notifications.create import NotificationRow
from roost.notifications.entities import NotificationGroup
from roost.notifications.store import Selection, count_group, list_rows
from roost.notifications.wire import GROUP_WINDOW_SECONDS, group_key, render_parts, window_of

if TYPE_CHECKING:
    from roost.services import Services

WINDOW_FACTOR = 4
SAMPLE_ACCOUNTS = 8


@dataclasses.dataclass(slots=True)
class _Group:
    key: str
    rows: list[NotificationRow]


@dataclasses.dataclass(frozen=True, slots=True)
class GroupedPage:
    groups: list[NotificationGroup]
    accounts: list[bytes]
    statuses: list[bytes]
    consumed_ids: list[int]


def _form_groups(
    rows: list[NotificationRow], limit: int, grouped: frozenset[str]
) -> tuple[list[_Group], list[int]]:
    groups: dict[str, _Group] = {}
    consumed: list[int] = []
    for row in rows:
        key = group_key(row, grouped)
        group = groups.get(key)
        if group is None:
            if len(groups) == limit:
                break
            group = groups[key] = _Group(key, [])
        group.rows.append(row)
        consumed.append(row.id)
    return list(groups.values()), consumed


async def grouped_page(
    services: Services,
    *,
    viewer_id: int,
    page: Page,
    selection: Selection,
    grouped: frozenset[str],
) -> GroupedPage:
    window = dataclasses.replace(page, limit=page.limit * WINDOW_FACTOR)
    rows = await list_rows(services, viewer_id=viewer_id, page=window, selection=selection)
    parts = await render_parts(services, rows, viewer_id=viewer_id)
    visible = [r for r in rows if parts.shows(r)]
    groups, consumed = _form_groups(visible, page.limit, grouped)
    # Stopped early: the page ends at the last row taken; else it covers
    # every row read, hidden ones included.
    consumed_ids = consumed if len(consumed) < len(visible) else [r.id for r in rows]
    out: list[NotificationGroup] = []
    account_ids: dict[int, None] = {}
    status_ids: dict[int, None] = {}
    for group in groups:
        first = group.rows[0]
        samples = list(dict.fromkeys(r.from_account_id for r in group.rows))[:SAMPLE_ACCOUNTS]
        count = len(group.rows)
        if not group.key.startswith("ungrouped-"):
            start = window_of(first.created_at) * GROUP_WINDOW_SECONDS
            count = await count_group(
                services,
                viewer_id=viewer_id,
                row=first,
                start=datetime.fromtimestamp(start, UTC),
                end=datetime.fromtimestamp(start + GROUP_WINDOW_SECONDS, UTC),
            )
        account_ids.update(dict.fromkeys(samples))
        if first.about_status:
            status_ids[first.about_status] = None
        out.append(
            NotificationGroup(
                group_key=group.key,
                notifications_count=max(count, len(group.rows)),
                type=first.type,
                most_recent_notification_id=str(first.id),
                page_min_id=str(group.rows[-1].id),
                page_max_id=str(first.id),
                latest_page_notification_at=format_datetime(first.created_at),
                sample_account_ids=[str(a) for a in samples],
                status_id=str(first.about_status) if first.about_status else None,
                report=(
                    msgspec.json.decode(parts.reports[first.report_id], type=Report)
                    if first.report_id
                    else None
                ),
            )
        )
    return GroupedPage(
        groups=out,
        accounts=[parts.accounts[a] for a in account_ids],
        statuses=[parts.statuses[s] for s in status_ids],
        consumed_ids=consumed_ids,
    )
