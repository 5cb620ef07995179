"""The notification use cases behind the API."""

from __future__ import annotations

from typing import TYPE_CHECKING

from roost.kernel.errors import NotFound
from roost.kernel.paging import Page
from roost.notifications import store
from roost.notifications.create import NotificationRow
from roost.notifications.grouping import GroupedPage, grouped_page
from roost.notifications.markers import load_markers
from roost.notifications.store import Selection
from roost.notifications.wire import render_notifications

if TYPE_CHECKING:
    from roost.services import Services


async def list_notifications(
    services: Services, *, viewer_id: int, page: Page, selection: Selection
) -> tuple[list[NotificationRow], list[bytes]]:
    """A page of rows (for the Link header) and the JSON of those shown."""
    rows = await store.list_rows(services, viewer_id=viewer_id, page=page, selection=selection)
    return rows, await render_notifications(services, rows, viewer_id=viewer_id)


async def get_notification(services: Services, *, viewer_id: int, notification_id: int) -> bytes:
    row = await store.get_row(services, viewer_id=viewer_id, notification_id=notification_id)
    shown = await render_notifications(services, [row] if row else [], viewer_id=viewer_id)
    if not shown:
        raise NotFound()
    return shown[0]


async def dismiss_notification(services: Services, *, viewer_id: int, notification_id: int) -> None:
    if not await store.delete_one(services, viewer_id=viewer_id, notification_id=notification_id):
        raise NotFound()


async def clear_notifications(services: Services, *, viewer_id: int) -> None:
    await store.delete_all(services, viewer_id=viewer_id)


async def unread_count(
    services: Services, *, viewer_id: int, limit: int, selection: Selection
) -> int:
    """Notifications newer than the viewer's notifications marker (all of
    them without one), counted up to ``limit``."""
    markers = await load_markers(services, account_id=viewer_id, timelines=["notifications"])
    marker = markers.get("notifications")
    return await store.count_after(
        services,
        viewer_id=viewer_id,
        after_id=marker.last_read_id if marker else 0,
        limit=limit,
        selection=selection,
    )


async def grouped_notifications(
    services: Services,
    *,
    viewer_id: int,
    page: Page,
    selection: Selection,
    grouped: frozenset[str],
) -> GroupedPage:
    return await grouped_page(
        services, viewer_id=viewer_id, page=page, selection=selection, grouped=grouped
    )
