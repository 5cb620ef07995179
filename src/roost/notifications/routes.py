"""HTTP routes of notifications (v1 and grouped v2) and read markers."""

from __future__ import annotations

import msgspec
from starlette.responses import Response

from roost.api.paging import PageQuery, link_header, page_from
from roost.api.responses import EmptyObject, empty_object, json_response
from roost.api.routing import Context, Router
from roost.kernel.errors import ValidationFailed
from roost.kernel.idtext import parse_id
from roost.kernel.timefmt import format_datetime
from roost.notifications import service
from roost.notifications.entities import (
    GroupedNotifications,
    Marker,
    Markers,
    Notification,
    UnreadCount,
)
from roost.notifications.markers import TIMELINES, MarkerRow, load_markers, save_markers
from roost.notifications.store import Selection
from roost.notifications.wire import GROUPABLE

router = Router("notifications")

V1_DEFAULT, V1_MAX = 40, 80
UNREAD_DEFAULT, UNREAD_MAX = 100, 1000


class NotificationsQuery(PageQuery, kw_only=True):
    types: list[str] = msgspec.field(default_factory=list)
    exclude_types: list[str] = msgspec.field(default_factory=list)
    account_id: str | None = None


class GroupedQuery(NotificationsQuery, kw_only=True):
    grouped_types: list[str] | None = None
    expand_accounts: str | None = None
    include_filtered: bool = False


class UnreadQuery(msgspec.Struct, kw_only=True):
    limit: int | None = None
    types: list[str] = msgspec.field(default_factory=list)
    exclude_types: list[str] = msgspec.field(default_factory=list)
    account_id: str | None = None


def _selection(query: NotificationsQuery | UnreadQuery) -> Selection:
    from_account_id = None
    if query.account_id not in (None, ""):
        from_account_id = parse_id(query.account_id)
        if from_account_id is None:
            raise ValidationFailed("account_id must be a numeric id")
    return Selection(
        types=tuple(query.types),
        exclude_types=tuple(query.exclude_types),
        from_account_id=from_account_id,
    )


@router.get(
    "/api/v1/notifications",
    summary="The caller's notifications, newest first",
    auth="user",
    scope="read:notifications",
    response=list[Notification],
)
async def notifications(ctx: Context, query: NotificationsQuery) -> Response:
    rows, shown = await service.list_notifications(
        ctx.services,
        viewer_id=ctx.user_id,
        page=page_from(query, default=V1_DEFAULT, maximum=V1_MAX),
        selection=_selection(query),
    )
    return Response(
        b"[" + b",".join(shown) + b"]",
        media_type="application/json",
        headers=link_header(ctx.request, [r.id for r in rows]),
    )


@router.get(
    "/api/v1/notifications/unread_count",
    summary="How many notifications are newer than the notifications marker",
    auth="user",
    scope="read:notifications",
    response=UnreadCount,
)
async def unread_count(ctx: Context, query: UnreadQuery) -> Response:
    limit = UNREAD_DEFAULT if query.limit is None else max(1, min(query.limit, UNREAD_MAX))
    count = await service.unread_count(
        ctx.services, viewer_id=ctx.user_id, limit=limit, selection=_selection(query)
    )
    return json_response(UnreadCount(count=count))


@router.post(
    "/api/v1/notifications/clear",
    summary="Delete all of the caller's notifications",
    auth="user",
    scope="write:notifications",
    response=EmptyObject,
)
async def clear(ctx: Context) -> Response:
    await service.clear_notifications(ctx.services, viewer_id=ctx.user_id)
    return empty_object()


@router.get(
    "/api/v1/notifications/{id:int}",
    summary="One of the caller's notifications",
    auth="user",
    scope="read:notifications",
    response=Notification,
    errors=(404,),
)
async def notification(ctx: Context) -> Response:
    body = await service.get_notification(
        ctx.services, viewer_id=ctx.user_id, notification_id=ctx.path_id()
    )
    return Response(body, media_type="application/json")


@router.post(
    "/api/v1/notifications/{id:int}/dismiss",
    summary="Delete one of the caller's notifications",
    auth="user",
    scope="write:notifications",
    response=EmptyObject,
    errors=(404,),
)
async def dismiss(ctx: Context) -> Response:
    await service.dismiss_notification(
        ctx.services, viewer_id=ctx.user_id, notification_id=ctx.path_id()
    )
    return empty_object()


@router.get(
    "/api/v2/notifications",
    summary="The caller's notifications, grouped (favourites, reblogs, follows)",
    auth="user",
    scope="read:notifications",
    response=GroupedNotifications,
)
async def grouped(ctx: Context, query: GroupedQuery) -> Response:
    grouped_types = GROUPABLE if query.grouped_types is None else frozenset(query.grouped_types)
    found = await service.grouped_notifications(
        ctx.services,
        viewer_id=ctx.user_id,
        page=page_from(query, default=V1_DEFAULT, maximum=V1_MAX),
        selection=_selection(query),
        grouped=grouped_types & GROUPABLE,
    )
    body = b"".join(
        [
            b'{"accounts":[',
            b",".join(found.accounts),
            b'],"statuses":[',
            b",".join(found.statuses),
            b'],"notification_groups":',
            msgspec.json.encode(found.groups),
            b"}",
        ]
    )
    return Response(
        body, media_type="application/json", headers=link_header(ctx.request, found.consumed_ids)
    )


class MarkersQuery(msgspec.Struct, kw_only=True):
    timeline: list[str] = msgspec.field(default_factory=list)


class MarkerInput(msgspec.Struct, kw_only=True):
    last_read_id: str | int


class MarkersForm(msgspec.Struct, kw_only=True):
    # JSON bodies nest the position; forms send home[last_read_id]=...
    home: MarkerInput | None = None
    notifications: MarkerInput | None = None
    home_last_read_id: str | None = msgspec.field(default=None, name="home[last_read_id]")
    notifications_last_read_id: str | None = msgspec.field(
        default=None, name="notifications[last_read_id]"
    )


def _markers(rows: dict[str, MarkerRow]) -> Markers:
    def one(timeline: str) -> Marker | None:
        row = rows.get(timeline)
        if row is None:
            return None
        return Marker(
            last_read_id=str(row.last_read_id),
            version=row.version,
            updated_at=format_datetime(row.updated_at),
        )

    return Markers(home=one("home"), notifications=one("notifications"))


@router.get(
    "/api/v1/markers",
    summary="The caller's read positions (home, notifications)",
    auth="user",
    scope="read:statuses",
    response=Markers,
)
async def markers(ctx: Context, query: MarkersQuery) -> Response:
    timelines = query.timeline or list(TIMELINES)
    rows = await load_markers(ctx.services, account_id=ctx.user_id, timelines=timelines)
    return json_response(_markers(rows))


def _position(name: str, nested: MarkerInput | None, flat: str | None) -> int | None:
    raw = flat if flat is not None else (None if nested is None else str(nested.last_read_id))
    if raw is None:
        return None
    value = parse_id(raw)
    if value is None:
        raise ValidationFailed(f"{name}[last_read_id] must be a numeric id")
    return value


@router.post(
    "/api/v1/markers",
    summary="Save the caller's read positions",
    auth="user",
    scope="write:statuses",
    response=Markers,
)
async def save(ctx: Context, form: MarkersForm) -> Response:
    positions: dict[str, int] = {}
    for name, nested, flat in (
        ("home", form.home, form.home_last_read_id),
        ("notifications", form.notifications, form.notifications_last_read_id),
    ):
        value = _position(name, nested, flat)
        if value is not None:
            positions[name] = value
    if not positions:
        raise ValidationFailed("home or notifications must be given")
    rows = await save_markers(ctx.services, account_id=ctx.user_id, positions=positions)
    return json_response(_markers(rows))
