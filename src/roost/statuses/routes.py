"""HTTP routes of the statuses domain: parse, call one service, serialize."""

from __future__ import annotations

from starlette.responses import Response

from roost.accounts.entities import Account
from roost.accounts.serializers import serialize_account
from roost.accounts.store import load_accounts
from roost.api.paging import PageQuery, link_header, page_from
from roost.api.responses import json_response
from roost.api.routing import Context, Router
from roost.kernel.errors import NotFound, ValidationFailed
from roost.statuses.deletion import delete_status
from roost.statuses.drafts import NewStatus
from roost.statuses.edits import StatusChange, edit_status, status_history, status_source
from roost.statuses.entities import Context as ThreadContext
from roost.statuses.entities import Poll, ScheduledStatus, Status, StatusEdit, StatusSource
from roost.statuses.forms import (
    EditStatusForm,
    PostStatusForm,
    ReblogForm,
    RescheduleForm,
    StatusesQuery,
    VoteForm,
    parse_media_attributes,
    parse_media_ids,
    parse_status_id,
)
from roost.statuses.hydrate import render_status, render_statuses
from roost.statuses.lists import (
    LinkedPage,
    list_bookmarks,
    list_favouriters,
    list_favourites,
    list_rebloggers,
)
from roost.statuses.marks import (
    bookmark_status,
    favourite_status,
    unbookmark_status,
    unfavourite_status,
)
from roost.statuses.pins import pin_status, unpin_status
from roost.statuses.pollvotes import show_poll, vote
from roost.statuses.posted import render_posted
from roost.statuses.reblogs import reblog_status, unreblog_status
from roost.statuses.scheduling import (
    cancel_scheduled,
    list_scheduled,
    parse_scheduled_at,
    reschedule,
    schedule_status,
    show_scheduled,
)
from roost.statuses.service import publish_status
from roost.statuses.targets import visible_target
from roost.statuses.threads import load_context

router = Router("statuses")

MAX_IDS = 40


@router.post(
    "/api/v1/statuses",
    summary="Post a status (Roost extension: location)",
    auth="user",
    scope="write:statuses",
    response=(Status, ScheduledStatus),  # a ScheduledStatus with scheduled_at
    errors=(404,),  # in_reply_to_id names no status
)
async def create_status(ctx: Context, form: PostStatusForm) -> Response:
    if form.has_poll() and any(str(m) for m in form.media_ids or ()):
        raise ValidationFailed("A status can't have both media and a poll")
    place_name, latitude, longitude = form.place()
    new = NewStatus(
        author_id=ctx.user_id,
        text=form.status or "",
        visibility=form.visibility or None,
        spoiler_text=form.spoiler_text or "",
        sensitive=form.sensitive,
        language=form.language,
        in_reply_to_id=parse_status_id(form.in_reply_to_id),
        place_name=place_name,
        latitude=latitude,
        longitude=longitude,
        idempotency_key=ctx.request.headers.get("idempotency-key") or None,
        poll=form.new_poll(),
        media_ids=parse_media_ids(form.media_ids),
    )
    if form.scheduled_at:
        at = parse_scheduled_at(form.scheduled_at)
        return json_response(await schedule_status(ctx.services, new, at))
    published = await publish_status(ctx.services, new)
    return json_response(await render_posted(ctx.services, published, viewer_id=ctx.user_id))


@router.get(
    "/api/v1/statuses",
    summary="View several statuses",
    auth="optional",
    scope="read:statuses",
    response=list[Status],
)
async def get_statuses(ctx: Context, query: StatusesQuery) -> Response:
    if len(query.id) > MAX_IDS:
        raise ValidationFailed(f"at most {MAX_IDS} ids")
    ids: list[int] = []
    for raw in query.id:
        try:
            parsed = parse_status_id(raw)
        except NotFound:
            continue  # an id that cannot exist is simply not found
        if parsed is not None:
            ids.append(parsed)
    statuses = await render_statuses(ctx.services, ids, viewer_id=ctx.viewer_id)
    return json_response(statuses)


@router.get(
    "/api/v1/statuses/{id:int}",
    summary="View a status",
    auth="optional",
    scope="read:statuses",
    response=Status,
)
async def get_status(ctx: Context) -> Response:
    status = await render_status(ctx.services, ctx.path_id(), viewer_id=ctx.viewer_id)
    return json_response(status)


@router.put(
    "/api/v1/statuses/{id:int}",
    summary="Edit a status (its text, content warning, sensitivity, language)",
    auth="user",
    scope="write:statuses",
    response=Status,
)
async def update_status(ctx: Context, form: EditStatusForm) -> Response:
    change = StatusChange(
        status_id=ctx.path_id(),
        editor_id=ctx.user_id,
        text=form.status or "",
        spoiler_text=form.spoiler_text or "",
        sensitive=form.sensitive,
        language=form.language,
        media_ids=None if form.media_ids is None else parse_media_ids(form.media_ids),
        media_attributes=parse_media_attributes(form.media_attributes),
        poll=form.new_poll(),
    )
    await edit_status(ctx.services, change)
    return await _render_for_user(ctx, change.status_id)


@router.get(
    "/api/v1/statuses/{id:int}/history",
    summary="The versions of a status, oldest first",
    auth="optional",
    scope="read:statuses",
    response=list[StatusEdit],
)
async def get_history(ctx: Context) -> Response:
    versions = await status_history(ctx.services, ctx.path_id(), viewer_id=ctx.viewer_id)
    return json_response(versions)


@router.get(
    "/api/v1/statuses/{id:int}/source",
    summary="The plain text of a status, to edit it",
    auth="user",
    scope="read:statuses",
    response=StatusSource,
)
async def get_source(ctx: Context) -> Response:
    source = await status_source(ctx.services, ctx.path_id(), viewer_id=ctx.user_id)
    return json_response(source)


@router.delete(
    "/api/v1/statuses/{id:int}",
    summary="Delete a status (answers with its source text)",
    auth="user",
    scope="write:statuses",
    response=Status,
)
async def remove_status(ctx: Context) -> Response:
    status = await delete_status(ctx.services, status_id=ctx.path_id(), account_id=ctx.user_id)
    return json_response(status)


@router.get(
    "/api/v1/statuses/{id:int}/context",
    summary="Ancestors and descendants of a status",
    auth="optional",
    scope="read:statuses",
    response=ThreadContext,
)
async def get_context(ctx: Context) -> Response:
    thread = await load_context(ctx.services, status_id=ctx.path_id(), viewer_id=ctx.viewer_id)
    return json_response(thread)


async def _render_for_user(ctx: Context, status_id: int) -> Response:
    status = await render_status(ctx.services, status_id, viewer_id=ctx.user_id, primary=True)
    return json_response(status)


@router.post(
    "/api/v1/statuses/{id:int}/favourite",
    summary="Favourite a status",
    auth="user",
    scope="write:favourites",
    response=Status,
)
async def favourite(ctx: Context) -> Response:
    target = await favourite_status(ctx.services, account_id=ctx.user_id, status_id=ctx.path_id())
    return await _render_for_user(ctx, target)


@router.post(
    "/api/v1/statuses/{id:int}/unfavourite",
    summary="Undo a favourite",
    auth="user",
    scope="write:favourites",
    response=Status,
)
async def unfavourite(ctx: Context) -> Response:
    target = await unfavourite_status(ctx.services, account_id=ctx.user_id, status_id=ctx.path_id())
    return await _render_for_user(ctx, target)


@router.post(
    "/api/v1/statuses/{id:int}/reblog",
    summary="Reblog a status",
    auth="user",
    scope="write:statuses",
    response=Status,
)
async def reblog(ctx: Context, form: ReblogForm) -> Response:
    reblog_id = await reblog_status(
        ctx.services, account_id=ctx.user_id, status_id=ctx.path_id(), visibility=form.visibility
    )
    return await _render_for_user(ctx, reblog_id)


@router.post(
    "/api/v1/statuses/{id:int}/unreblog",
    summary="Undo a reblog",
    auth="user",
    scope="write:statuses",
    response=Status,
)
async def unreblog(ctx: Context) -> Response:
    original = await unreblog_status(ctx.services, account_id=ctx.user_id, status_id=ctx.path_id())
    return await _render_for_user(ctx, original)


@router.post(
    "/api/v1/statuses/{id:int}/pin",
    summary="Pin one of your public or unlisted statuses to your profile (at most 5)",
    auth="user",
    scope="write:accounts",
    response=Status,
)
async def pin(ctx: Context) -> Response:
    await pin_status(ctx.services, account_id=ctx.user_id, status_id=ctx.path_id())
    return await _render_for_user(ctx, ctx.path_id())


@router.post(
    "/api/v1/statuses/{id:int}/unpin",
    summary="Unpin a status from your profile",
    auth="user",
    scope="write:accounts",
    response=Status,
)
async def unpin(ctx: Context) -> Response:
    await unpin_status(ctx.services, account_id=ctx.user_id, status_id=ctx.path_id())
    return await _render_for_user(ctx, ctx.path_id())


@router.post(
    "/api/v1/statuses/{id:int}/bookmark",
    summary="Bookmark a status",
    auth="user",
    scope="write:bookmarks",
    response=Status,
)
async def bookmark(ctx: Context) -> Response:
    target = await bookmark_status(ctx.services, account_id=ctx.user_id, status_id=ctx.path_id())
    return await _render_for_user(ctx, target)


@router.post(
    "/api/v1/statuses/{id:int}/unbookmark",
    summary="Remove a bookmark",
    auth="user",
    scope="write:bookmarks",
    response=Status,
)
async def unbookmark(ctx: Context) -> Response:
    target = await unbookmark_status(ctx.services, account_id=ctx.user_id, status_id=ctx.path_id())
    return await _render_for_user(ctx, target)


async def _accounts_page(ctx: Context, linked: LinkedPage) -> Response:
    records = await load_accounts(ctx.services, linked.item_ids)
    settings = ctx.services.settings
    accounts: list[Account] = [
        serialize_account(settings, records[i]) for i in linked.item_ids if i in records
    ]
    return json_response(accounts, headers=link_header(ctx.request, linked.cursor_ids))


async def _statuses_page(ctx: Context, linked: LinkedPage) -> Response:
    statuses = await render_statuses(ctx.services, linked.item_ids, viewer_id=ctx.user_id)
    return json_response(statuses, headers=link_header(ctx.request, linked.cursor_ids))


@router.get(
    "/api/v1/statuses/{id:int}/favourited_by",
    summary="Accounts that favourited a status",
    auth="optional",
    scope="read:statuses",
    response=list[Account],
)
async def favourited_by(ctx: Context, query: PageQuery) -> Response:
    target = await visible_target(
        ctx.services, ctx.path_id(), viewer_id=ctx.viewer_id, primary=False
    )
    page = page_from(query, default=40, maximum=80)
    return await _accounts_page(
        ctx, await list_favouriters(ctx.services, status_id=target.id, page=page)
    )


@router.get(
    "/api/v1/statuses/{id:int}/reblogged_by",
    summary="Accounts that reblogged a status",
    auth="optional",
    scope="read:statuses",
    response=list[Account],
)
async def reblogged_by(ctx: Context, query: PageQuery) -> Response:
    target = await visible_target(
        ctx.services, ctx.path_id(), viewer_id=ctx.viewer_id, primary=False
    )
    page = page_from(query, default=40, maximum=80)
    return await _accounts_page(
        ctx, await list_rebloggers(ctx.services, status_id=target.id, page=page)
    )


@router.get(
    "/api/v1/favourites",
    summary="Statuses the user favourited",
    auth="user",
    scope="read:favourites",
    response=list[Status],
)
async def favourites(ctx: Context, query: PageQuery) -> Response:
    page = page_from(query, default=20, maximum=40)
    return await _statuses_page(
        ctx, await list_favourites(ctx.services, account_id=ctx.user_id, page=page)
    )


@router.get(
    "/api/v1/bookmarks",
    summary="Statuses the user bookmarked",
    auth="user",
    scope="read:bookmarks",
    response=list[Status],
)
async def bookmarks(ctx: Context, query: PageQuery) -> Response:
    page = page_from(query, default=20, maximum=40)
    return await _statuses_page(
        ctx, await list_bookmarks(ctx.services, account_id=ctx.user_id, page=page)
    )


@router.get(
    "/api/v1/polls/{id:int}",
    summary="View a poll",
    auth="optional",
    scope="read:statuses",
    response=Poll,
)
async def get_poll(ctx: Context) -> Response:
    poll = await show_poll(ctx.services, ctx.path_id(), viewer_id=ctx.viewer_id)
    return json_response(poll)


@router.post(
    "/api/v1/polls/{id:int}/votes",
    summary="Vote in a poll (once; several choices only in a multiple-choice poll)",
    auth="user",
    scope="write:statuses",
    response=Poll,
)
async def vote_in_poll(ctx: Context, form: VoteForm) -> Response:
    poll = await vote(
        ctx.services, poll_id=ctx.path_id(), account_id=ctx.user_id, choices=form.choices
    )
    return json_response(poll)


@router.get(
    "/api/v1/scheduled_statuses",
    summary="Your statuses waiting for their time",
    auth="user",
    scope="read:statuses",
    response=list[ScheduledStatus],
)
async def scheduled_statuses(ctx: Context, query: PageQuery) -> Response:
    page = page_from(query, default=20, maximum=40)
    found = await list_scheduled(ctx.services, ctx.user_id, page)
    return json_response(found, headers=link_header(ctx.request, [int(s.id) for s in found]))


@router.get(
    "/api/v1/scheduled_statuses/{id:int}",
    summary="One of your scheduled statuses",
    auth="user",
    scope="read:statuses",
    response=ScheduledStatus,
)
async def scheduled_status(ctx: Context) -> Response:
    return json_response(await show_scheduled(ctx.services, ctx.user_id, ctx.path_id()))


@router.put(
    "/api/v1/scheduled_statuses/{id:int}",
    summary="Move a scheduled status to another time (at least 5 minutes ahead)",
    auth="user",
    scope="write:statuses",
    response=ScheduledStatus,
)
async def move_scheduled_status(ctx: Context, form: RescheduleForm) -> Response:
    if not form.scheduled_at:
        raise ValidationFailed("scheduled_at is required")
    at = parse_scheduled_at(form.scheduled_at)
    return json_response(await reschedule(ctx.services, ctx.user_id, ctx.path_id(), at))


@router.delete(
    "/api/v1/scheduled_statuses/{id:int}",
    summary="Cancel a scheduled status",
    auth="user",
    scope="write:statuses",
)
async def cancel_scheduled_status(ctx: Context) -> Response:
    await cancel_scheduled(ctx.services, ctx.user_id, ctx.path_id())
    return json_response({})
