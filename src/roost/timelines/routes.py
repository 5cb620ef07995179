"""HTTP routes of the timelines domain."""

from __future__ import annotations

import msgspec
from starlette.responses import Response

from roost.api.paging import PageQuery, link_header, page_from
from roost.api.routing import Context, Router
from roost.statuses.entities import Status
from roost.statuses.wire import render_statuses_json
from roost.timelines import service

router = Router("timelines")

TIMELINE_DEFAULT = 20
TIMELINE_MAX = 40


class PublicQuery(PageQuery, kw_only=True):
    local: bool = False
    remote: bool = False
    only_media: bool = False


class AccountStatusesQuery(PageQuery, kw_only=True):
    only_media: bool = False
    pinned: bool = False
    exclude_replies: bool = False
    exclude_reblogs: bool = False
    tagged: str | None = None


class TagQuery(PublicQuery, kw_only=True):
    any: list[str] = msgspec.field(default_factory=list)
    all: list[str] = msgspec.field(default_factory=list)
    none: list[str] = msgspec.field(default_factory=list)


async def _page_response(ctx: Context, found: service.TimelineSlice) -> Response:
    body = await render_statuses_json(
        ctx.services,
        found.ids,
        viewer_id=ctx.viewer_id,
        excluded=found.hidden_authors,
        judge=found.judge,
        known=found.known,
    )
    return Response(
        body, media_type="application/json", headers=link_header(ctx.request, found.ids)
    )


@router.get(
    "/api/v1/timelines/home",
    summary="The caller's home timeline: own statuses and those of followed accounts",
    auth="user",
    scope="read:statuses",
    response=list[Status],
)
async def home(ctx: Context, query: PageQuery) -> Response:
    page = page_from(query, default=TIMELINE_DEFAULT, maximum=TIMELINE_MAX)
    found = await service.home_timeline(ctx.services, viewer_id=ctx.user_id, page=page)
    return await _page_response(ctx, found)


@router.get(
    "/api/v1/timelines/list/{id:int}",
    summary="Statuses of the accounts in one of the caller's lists",
    auth="user",
    scope=("read:lists", "read:statuses"),
    response=list[Status],
    errors=(404,),
)
async def list_timeline(ctx: Context, query: PageQuery) -> Response:
    page = page_from(query, default=TIMELINE_DEFAULT, maximum=TIMELINE_MAX)
    found = await service.list_timeline(
        ctx.services, viewer_id=ctx.user_id, list_id=ctx.path_id(), page=page
    )
    return await _page_response(ctx, found)


@router.get(
    "/api/v1/timelines/public",
    summary="Public statuses of everyone on this server",
    auth="optional",
    scope="read:statuses",
    response=list[Status],
)
async def public(ctx: Context, query: PublicQuery) -> Response:
    found = await service.public_timeline(
        ctx.services,
        viewer_id=ctx.viewer_id,
        page=page_from(query, default=TIMELINE_DEFAULT, maximum=TIMELINE_MAX),
        remote=query.remote,
        only_media=query.only_media,
    )
    return await _page_response(ctx, found)


@router.get(
    "/api/v1/timelines/tag/{hashtag}",
    summary="Public statuses with a hashtag",
    auth="optional",
    scope="read:statuses",
    response=list[Status],
)
async def tag(ctx: Context, query: TagQuery) -> Response:
    found = await service.tag_timeline(
        ctx.services,
        tag=ctx.path_str("hashtag"),
        viewer_id=ctx.viewer_id,
        page=page_from(query, default=TIMELINE_DEFAULT, maximum=TIMELINE_MAX),
        any_tags=query.any,
        all_tags=query.all,
        none_tags=query.none,
        remote=query.remote,
        only_media=query.only_media,
    )
    return await _page_response(ctx, found)


@router.get(
    "/api/v1/accounts/{id:int}/statuses",
    summary="Statuses posted by an account",
    auth="optional",
    scope="read:statuses",
    response=list[Status],
)
async def account_statuses(ctx: Context, query: AccountStatusesQuery) -> Response:
    found = await service.account_timeline(
        ctx.services,
        account_id=ctx.path_id(),
        viewer_id=ctx.viewer_id,
        page=page_from(query, default=TIMELINE_DEFAULT, maximum=TIMELINE_MAX),
        only_media=query.only_media,
        pinned=query.pinned,
        exclude_replies=query.exclude_replies,
        exclude_reblogs=query.exclude_reblogs,
        tagged=query.tagged,
    )
    return await _page_response(ctx, found)
