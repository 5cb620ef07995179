"""HTTP routes of lists: the lists themselves, their members, and the lists
an account is in. The list timeline is served by ``roost.timelines``."""

from __future__ import annotations

import msgspec
from starlette.responses import Response

from roost.accounts.entities import Account
from roost.api.paging import PageQuery, link_header, page_from
from roost.api.responses import EmptyObject, empty_object, json_response
from roost.api.routing import Context, Router
from roost.kernel.errors import NotFound
from roost.kernel.idtext import parse_id
from roost.lists import service
from roost.lists.entities import List

router = Router("lists")

MEMBERS_DEFAULT, MEMBERS_MAX = 40, 80


class ListForm(msgspec.Struct, kw_only=True):
    title: str | None = None
    replies_policy: str | None = None
    exclusive: bool | None = None


class MembersForm(msgspec.Struct, kw_only=True):
    account_ids: list[str] = msgspec.field(default_factory=list)


def _account_ids(values: list[str]) -> list[int]:
    ids = [parse_id(v) for v in values]
    if any(i is None for i in ids):
        raise NotFound()
    return [i for i in ids if i is not None]


@router.get(
    "/api/v1/lists",
    summary="The caller's lists",
    auth="user",
    scope="read:lists",
    response=list[List],
)
async def list_index(ctx: Context) -> Response:
    return json_response(await service.get_lists(ctx.services, owner_id=ctx.user_id))


@router.post(
    "/api/v1/lists",
    summary="Create a list",
    auth="user",
    scope="write:lists",
    response=List,
    errors=(422,),
)
async def list_create(ctx: Context, form: ListForm) -> Response:
    found = await service.create_list(
        ctx.services,
        owner_id=ctx.user_id,
        title=form.title,
        replies_policy=form.replies_policy,
        exclusive=form.exclusive,
    )
    return json_response(found)


@router.get(
    "/api/v1/lists/{id:int}",
    summary="One of the caller's lists",
    auth="user",
    scope="read:lists",
    response=List,
    errors=(404,),
)
async def list_show(ctx: Context) -> Response:
    found = await service.get_list(ctx.services, owner_id=ctx.user_id, list_id=ctx.path_id())
    return json_response(found)


@router.put(
    "/api/v1/lists/{id:int}",
    summary="Rename a list or change its replies policy or exclusive flag",
    auth="user",
    scope="write:lists",
    response=List,
    errors=(404, 422),
)
async def list_update(ctx: Context, form: ListForm) -> Response:
    found = await service.update_list(
        ctx.services,
        owner_id=ctx.user_id,
        list_id=ctx.path_id(),
        title=form.title,
        replies_policy=form.replies_policy,
        exclusive=form.exclusive,
    )
    return json_response(found)


@router.delete(
    "/api/v1/lists/{id:int}",
    summary="Delete a list",
    auth="user",
    scope="write:lists",
    response=EmptyObject,
    errors=(404,),
)
async def list_delete(ctx: Context) -> Response:
    await service.delete_list(ctx.services, owner_id=ctx.user_id, list_id=ctx.path_id())
    return empty_object()


@router.get(
    "/api/v1/lists/{id:int}/accounts",
    summary="The accounts in a list (limit=0: all of them)",
    auth="user",
    scope="read:lists",
    response=list[Account],
    errors=(404,),
)
async def list_members(ctx: Context, query: PageQuery) -> Response:
    if query.limit == 0:
        query = msgspec.structs.replace(query, limit=service.MAX_MEMBERS)
        page = page_from(query, default=MEMBERS_DEFAULT, maximum=service.MAX_MEMBERS)
    else:
        page = page_from(query, default=MEMBERS_DEFAULT, maximum=MEMBERS_MAX)
    found = await service.list_members(
        ctx.services, owner_id=ctx.user_id, list_id=ctx.path_id(), page=page
    )
    return json_response(found.accounts, headers=link_header(ctx.request, found.cursor_ids))


@router.post(
    "/api/v1/lists/{id:int}/accounts",
    summary="Add accounts the caller follows to a list",
    auth="user",
    scope="write:lists",
    response=EmptyObject,
    errors=(404, 422),
)
async def list_add_members(ctx: Context, form: MembersForm) -> Response:
    await service.add_members(
        ctx.services,
        owner_id=ctx.user_id,
        list_id=ctx.path_id(),
        account_ids=_account_ids(form.account_ids),
    )
    return empty_object()


@router.delete(
    "/api/v1/lists/{id:int}/accounts",
    summary="Remove accounts from a list",
    auth="user",
    scope="write:lists",
    response=EmptyObject,
    errors=(404,),
)
async def list_remove_members(ctx: Context, form: MembersForm) -> Response:
    await service.remove_members(
        ctx.services,
        owner_id=ctx.user_id,
        list_id=ctx.path_id(),
        account_ids=_account_ids(form.account_ids),
    )
    return empty_object()


@router.get(
    "/api/v1/accounts/{id:int}/lists",
    summary="The caller's lists that hold an account",
    auth="user",
    scope="read:lists",
    response=list[List],
    errors=(404,),
)
async def account_lists(ctx: Context) -> Response:
    found = await service.lists_with_account(
        ctx.services, owner_id=ctx.user_id, account_id=ctx.path_id()
    )
    return json_response(found)
