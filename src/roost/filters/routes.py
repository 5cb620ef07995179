"""HTTP routes of filters: v2 (filters, their keywords and statuses) and v1."""

from __future__ import annotations

import msgspec
from starlette.responses import Response

from roost.api.responses import EmptyObject, empty_object, json_response
from roost.api.routing import Context, Router
from roost.filters import service
from roost.filters.entities import Filter, FilterKeyword, FilterStatus, V1Filter
from roost.filters.params import FilterForm, filter_change, read_filter_form
from roost.kernel.errors import NotFound
from roost.kernel.idtext import parse_id

router = Router("filters")

READ, WRITE = "read:filters", "write:filters"


class KeywordForm(msgspec.Struct, kw_only=True):
    keyword: str | None = None
    whole_word: bool | None = None


class StatusForm(msgspec.Struct, kw_only=True):
    status_id: str | None = None


class V1Form(msgspec.Struct, kw_only=True):
    phrase: str | None = None
    context: list[str] | None = None
    irreversible: bool | None = None
    whole_word: bool | None = None
    expires_in: int | None = None


def _v1_change(form: V1Form) -> service.V1Change:
    return service.V1Change(
        phrase=form.phrase,
        context=form.context,
        irreversible=form.irreversible,
        whole_word=form.whole_word,
        expires_in=form.expires_in,
    )


@router.get(
    "/api/v2/filters",
    summary="The caller's filters",
    auth="user",
    scope=READ,
    response=list[Filter],
)
async def filter_index(ctx: Context) -> Response:
    return json_response(await service.list_filters(ctx.services, owner_id=ctx.user_id))


@router.post(
    "/api/v2/filters",
    summary="Create a filter (keywords in keywords_attributes)",
    auth="user",
    scope=WRITE,
    response=Filter,
    errors=(422,),
)
async def filter_create(ctx: Context, form: FilterForm) -> Response:
    form = await read_filter_form(ctx.request, form)
    found = await service.create_filter(
        ctx.services, owner_id=ctx.user_id, change=filter_change(form)
    )
    return json_response(found)


@router.get(
    "/api/v2/filters/{id:int}",
    summary="One of the caller's filters",
    auth="user",
    scope=READ,
    response=Filter,
    errors=(404,),
)
async def filter_show(ctx: Context) -> Response:
    found = await service.get_filter(ctx.services, owner_id=ctx.user_id, filter_id=ctx.path_id())
    return json_response(found)


@router.put(
    "/api/v2/filters/{id:int}",
    summary="Change a filter and its keywords (keywords_attributes with id and _destroy)",
    auth="user",
    scope=WRITE,
    response=Filter,
    errors=(404, 422),
)
async def filter_update(ctx: Context, form: FilterForm) -> Response:
    form = await read_filter_form(ctx.request, form)
    found = await service.update_filter(
        ctx.services, owner_id=ctx.user_id, filter_id=ctx.path_id(), change=filter_change(form)
    )
    return json_response(found)


@router.delete(
    "/api/v2/filters/{id:int}",
    summary="Delete a filter",
    auth="user",
    scope=WRITE,
    response=EmptyObject,
    errors=(404,),
)
async def filter_delete(ctx: Context) -> Response:
    await service.delete_filter(ctx.services, owner_id=ctx.user_id, filter_id=ctx.path_id())
    return empty_object()


@router.get(
    "/api/v2/filters/{id:int}/keywords",
    summary="A filter's keywords",
    auth="user",
    scope=READ,
    response=list[FilterKeyword],
    errors=(404,),
)
async def filter_keywords(ctx: Context) -> Response:
    found = await service.list_keywords(ctx.services, owner_id=ctx.user_id, filter_id=ctx.path_id())
    return json_response(found)


@router.post(
    "/api/v2/filters/{id:int}/keywords",
    summary="Add a keyword to a filter",
    auth="user",
    scope=WRITE,
    response=FilterKeyword,
    errors=(404, 422),
)
async def filter_add_keyword(ctx: Context, form: KeywordForm) -> Response:
    found = await service.add_keyword(
        ctx.services,
        owner_id=ctx.user_id,
        filter_id=ctx.path_id(),
        keyword=form.keyword,
        whole_word=True if form.whole_word is None else form.whole_word,
    )
    return json_response(found)


@router.get(
    "/api/v2/filters/keywords/{id:int}",
    summary="One keyword of the caller's filters",
    auth="user",
    scope=READ,
    response=FilterKeyword,
    errors=(404,),
)
async def filter_keyword_show(ctx: Context) -> Response:
    found = await service.get_keyword(ctx.services, owner_id=ctx.user_id, keyword_id=ctx.path_id())
    return json_response(found)


@router.put(
    "/api/v2/filters/keywords/{id:int}",
    summary="Change a keyword",
    auth="user",
    scope=WRITE,
    response=FilterKeyword,
    errors=(404, 422),
)
async def filter_keyword_update(ctx: Context, form: KeywordForm) -> Response:
    found = await service.update_keyword(
        ctx.services,
        owner_id=ctx.user_id,
        keyword_id=ctx.path_id(),
        keyword=form.keyword,
        whole_word=form.whole_word,
    )
    return json_response(found)


@router.delete(
    "/api/v2/filters/keywords/{id:int}",
    summary="Remove a keyword",
    auth="user",
    scope=WRITE,
    response=EmptyObject,
    errors=(404,),
)
async def filter_keyword_delete(ctx: Context) -> Response:
    await service.delete_keyword(ctx.services, owner_id=ctx.user_id, keyword_id=ctx.path_id())
    return empty_object()


@router.get(
    "/api/v2/filters/{id:int}/statuses",
    summary="The statuses a filter names",
    auth="user",
    scope=READ,
    response=list[FilterStatus],
    errors=(404,),
)
async def filter_statuses(ctx: Context) -> Response:
    found = await service.list_filter_statuses(
        ctx.services, owner_id=ctx.user_id, filter_id=ctx.path_id()
    )
    return json_response(found)


@router.post(
    "/api/v2/filters/{id:int}/statuses",
    summary="Add a status to a filter",
    auth="user",
    scope=WRITE,
    response=FilterStatus,
    errors=(404, 422),
)
async def filter_add_status(ctx: Context, form: StatusForm) -> Response:
    status_id = parse_id(form.status_id)
    if status_id is None:
        raise NotFound()
    found = await service.add_filter_status(
        ctx.services, owner_id=ctx.user_id, filter_id=ctx.path_id(), status_id=status_id
    )
    return json_response(found)


@router.get(
    "/api/v2/filters/statuses/{id:int}",
    summary="One status entry of the caller's filters",
    auth="user",
    scope=READ,
    response=FilterStatus,
    errors=(404,),
)
async def filter_status_show(ctx: Context) -> Response:
    found = await service.get_filter_status(
        ctx.services, owner_id=ctx.user_id, entry_id=ctx.path_id()
    )
    return json_response(found)


@router.delete(
    "/api/v2/filters/statuses/{id:int}",
    summary="Remove a status from a filter",
    auth="user",
    scope=WRITE,
    response=EmptyObject,
    errors=(404,),
)
async def filter_status_delete(ctx: Context) -> Response:
    await service.delete_filter_status(ctx.services, owner_id=ctx.user_id, entry_id=ctx.path_id())
    return empty_object()


# -- v1: one keyword of a v2 filter each -------------------------------------


@router.get(
    "/api/v1/filters",
    summary="The caller's filters, v1 (one per keyword)",
    auth="user",
    scope=READ,
    response=list[V1Filter],
)
async def v1_filters(ctx: Context) -> Response:
    return json_response(await service.list_v1(ctx.services, owner_id=ctx.user_id))


@router.post(
    "/api/v1/filters",
    summary="Create a v1 filter (a v2 filter with one keyword)",
    auth="user",
    scope=WRITE,
    response=V1Filter,
    errors=(422,),
)
async def v1_create(ctx: Context, form: V1Form) -> Response:
    found = await service.create_v1(ctx.services, owner_id=ctx.user_id, change=_v1_change(form))
    return json_response(found)


@router.get(
    "/api/v1/filters/{id:int}",
    summary="One v1 filter",
    auth="user",
    scope=READ,
    response=V1Filter,
    errors=(404,),
)
async def v1_show(ctx: Context) -> Response:
    found = await service.get_v1(ctx.services, owner_id=ctx.user_id, keyword_id=ctx.path_id())
    return json_response(found)


@router.put(
    "/api/v1/filters/{id:int}",
    summary="Change a v1 filter",
    auth="user",
    scope=WRITE,
    response=V1Filter,
    errors=(404, 422),
)
async def v1_update(ctx: Context, form: V1Form) -> Response:
    found = await service.update_v1(
        ctx.services, owner_id=ctx.user_id, keyword_id=ctx.path_id(), change=_v1_change(form)
    )
    return json_response(found)


@router.delete(
    "/api/v1/filters/{id:int}",
    summary="Delete a v1 filter",
    auth="user",
    scope=WRITE,
    response=EmptyObject,
    errors=(404,),
)
async def v1_delete(ctx: Context) -> Response:
    await service.delete_v1(ctx.services, owner_id=ctx.user_id, keyword_id=ctx.path_id())
    return empty_object()
