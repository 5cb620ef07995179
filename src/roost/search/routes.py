"""HTTP routes of search, hashtags, trends and the nearby timeline."""

from __future__ import annotations

import msgspec
from starlette.responses import Response

from roost.accounts.serializers import serialize_account
from roost.api.paging import PageQuery, link_header, page_from
from roost.api.responses import json_response
from roost.api.routing import Context, Router
from roost.kernel.errors import ValidationFailed
from roost.kernel.idtext import is_id_text
from roost.kernel.paging import Page
from roost.search import service, tags, trends
from roost.search.entities import SearchResults, SearchResultsV1, Tag, TrendLink
from roost.statuses.entities import Status
from roost.statuses.wire import render_statuses_json

router = Router("search")
# The nearby timeline is documented with the other timelines.
timelines_router = Router("timelines")
_encode = msgspec.json.Encoder().encode


class StatusSearchQuery(PageQuery, kw_only=True):
    q: str = ""
    type: str | None = None
    # Only local accounts and statuses exist: nothing to resolve remotely.
    resolve: bool = False
    following: bool = False
    account_id: str | None = None
    # Every hashtag counts as reviewed here.
    exclude_unreviewed: bool = False
    offset: int = 0
    # Roost: "relevance" orders statuses by text rank instead of newest first.
    order: str | None = None


class TrendsQuery(msgspec.Struct, kw_only=True):
    limit: int | None = None
    offset: int = 0


class NearbyQuery(PageQuery, kw_only=True):
    latitude: float
    longitude: float
    radius_km: float = 10.0


def _request(ctx: Context, query: StatusSearchQuery) -> service.SearchRequest:
    account_id = None
    if query.account_id:
        if not is_id_text(query.account_id):
            raise ValidationFailed("account_id must be a numeric id")
        account_id = int(query.account_id)
    if query.order not in (None, "", "newest", "relevance"):
        raise ValidationFailed("order must be newest or relevance")
    return service.SearchRequest(
        q=query.q,
        type=query.type or None,
        viewer_id=ctx.viewer_id,
        account_id=account_id,
        following=query.following,
        relevance=query.order == "relevance",
        page=page_from(query, default=20, maximum=service.MAX_LIMIT),
        offset=max(0, query.offset),
    )


async def _found_parts(
    ctx: Context, query: StatusSearchQuery
) -> tuple[bytes, bytes, service.Found]:
    found = await service.search(ctx.services, _request(ctx, query))
    settings = ctx.services.settings
    accounts = _encode([serialize_account(settings, r) for r in found.accounts])
    statuses = await render_statuses_json(
        ctx.services, found.status_ids, viewer_id=ctx.viewer_id, excluded=found.excluded
    )
    return accounts, statuses, found


def _results(accounts: bytes, statuses: bytes, hashtags: bytes) -> Response:
    body = b'{"accounts":' + accounts + b',"statuses":' + statuses + b',"hashtags":' + hashtags
    return Response(body + b"}", media_type="application/json")


@router.get(
    "/api/v2/search",
    summary='Accounts, hashtags and statuses matching q (words, "phrases", #tags, operators)',
    auth="optional",
    scope="read:search",
    response=SearchResults,
    errors=(422,),
)
async def search_v2(ctx: Context, query: StatusSearchQuery) -> Response:
    accounts, statuses, found = await _found_parts(ctx, query)
    return _results(accounts, statuses, _encode(found.hashtags))


@router.get(
    "/api/v1/search",
    summary="The v1 search: as /api/v2/search with hashtags as plain names",
    auth="optional",
    scope="read:search",
    response=SearchResultsV1,
    errors=(422,),
)
async def search_v1(ctx: Context, query: StatusSearchQuery) -> Response:
    accounts, statuses, found = await _found_parts(ctx, query)
    # v1 names the hashtags only.
    return _results(accounts, statuses, _encode([t.name for t in found.hashtags]))


@router.get(
    "/api/v1/tags/{name}",
    summary="A hashtag with its last 7 days of use (and whether the caller follows it)",
    auth="optional",
    scope="read",
    response=Tag,
    errors=(404,),
)
async def get_tag(ctx: Context) -> Response:
    return json_response(await tags.get_tag(ctx.services, ctx.path_str("name"), ctx.viewer_id))


@router.post(
    "/api/v1/tags/{name}/follow",
    summary="Follow a hashtag: its public statuses reach the caller's home timeline",
    auth="user",
    scope="write:follows",
    response=Tag,
    errors=(422,),
)
async def follow_tag(ctx: Context) -> Response:
    return json_response(await tags.follow_tag(ctx.services, ctx.path_str("name"), ctx.user_id))


@router.post(
    "/api/v1/tags/{name}/unfollow",
    summary="Stop following a hashtag",
    auth="user",
    scope="write:follows",
    response=Tag,
    errors=(404,),
)
async def unfollow_tag(ctx: Context) -> Response:
    return json_response(await tags.unfollow_tag(ctx.services, ctx.path_str("name"), ctx.user_id))


@router.get(
    "/api/v1/followed_tags",
    summary="Hashtags the caller follows, most recently followed first",
    auth="user",
    scope="read:follows",
    response=list[Tag],
)
async def followed_tags(ctx: Context, query: PageQuery) -> Response:
    page = page_from(query, default=100, maximum=200)
    found, cursor_ids = await tags.followed_tags(ctx.services, ctx.user_id, page)
    return json_response(found, headers=link_header(ctx.request, cursor_ids))


def _window(query: TrendsQuery, default: int, maximum: int) -> tuple[int, int]:
    limit = default if query.limit is None else max(1, min(query.limit, maximum))
    return limit, max(0, min(query.offset, 10_000))


@router.get(
    "/api/v1/trends/tags",
    summary="Hashtags used by more accounts than usual lately, most trending first",
    auth="optional",
    response=list[Tag],
)
async def trending_tags(ctx: Context, query: TrendsQuery) -> Response:
    limit, offset = _window(query, 10, 20)
    found = await trends.trending_tags(
        ctx.services, limit=limit, offset=offset, viewer_id=ctx.viewer_id
    )
    return json_response(found)


@router.get(
    "/api/v1/trends",
    summary="Trending hashtags (the older path of /api/v1/trends/tags)",
    auth="optional",
    response=list[Tag],
)
async def trends_v1(ctx: Context, query: TrendsQuery) -> Response:
    return await trending_tags(ctx, query)


@router.get(
    "/api/v1/trends/statuses",
    summary="Public statuses many accounts interacted with lately",
    auth="optional",
    response=list[Status],
)
async def trending_statuses(ctx: Context, query: TrendsQuery) -> Response:
    limit, offset = _window(query, 20, 40)
    ids, excluded = await service.trending_statuses(
        ctx.services, viewer_id=ctx.viewer_id, limit=limit, offset=offset
    )
    body = await render_statuses_json(ctx.services, ids, viewer_id=ctx.viewer_id, excluded=excluded)
    return Response(body, media_type="application/json")


@router.get(
    "/api/v1/trends/links",
    summary="Trending links: always empty (links in statuses are not parsed into cards)",
    auth="optional",
    response=list[TrendLink],
)
async def trending_links(ctx: Context, query: TrendsQuery) -> Response:
    return json_response([])


@timelines_router.get(
    "/api/v1/timelines/nearby",
    summary="Roost extension: public statuses posted within radius_km of a point, newest first",
    auth="optional",
    scope="read:statuses",
    response=list[Status],
    errors=(422,),
)
async def nearby(ctx: Context, query: NearbyQuery) -> Response:
    page: Page = page_from(query, default=20, maximum=40)
    ids, excluded = await service.nearby_timeline(
        ctx.services,
        viewer_id=ctx.viewer_id,
        latitude=query.latitude,
        longitude=query.longitude,
        radius_km=query.radius_km,
        page=page,
    )
    body = await render_statuses_json(ctx.services, ids, viewer_id=ctx.viewer_id, excluded=excluded)
    return Response(body, media_type="application/json", headers=link_header(ctx.request, ids))
