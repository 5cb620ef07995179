"""HTTP routes of the relationships domain."""

from __future__ import annotations

import msgspec
from starlette.responses import Response

from roost.accounts.entities import Account
from roost.api.paging import PageQuery, link_header, page_from
from roost.api.responses import json_response
from roost.api.routing import Context, Router
from roost.relationships import lists, requests, service
from roost.relationships.entities import Relationship

router = Router("relationships")

ACCOUNT_LIST_DEFAULT = 40
ACCOUNT_LIST_MAX = 80


class FollowForm(msgspec.Struct, kw_only=True):
    reblogs: bool | None = None
    notify: bool | None = None
    # Accepted for compatibility; language filters are not kept.
    languages: list[str] | None = None


class MuteForm(msgspec.Struct, kw_only=True):
    notifications: bool = True
    # Accepted for compatibility; mutes do not expire.
    duration: int | None = None


class RelationshipsQuery(msgspec.Struct, kw_only=True):
    id: list[str] = []
    with_suspended: bool = False


def _accounts_response(ctx: Context, found: lists.AccountPage) -> Response:
    return json_response(found.accounts, headers=link_header(ctx.request, found.cursor_ids))


@router.post(
    "/api/v1/accounts/{id:int}/follow",
    summary="Follow an account (a locked one: request to) or change the follow's options",
    auth="user",
    scope="write:follows",
    response=Relationship,
)
async def follow(ctx: Context, form: FollowForm) -> Response:
    relationship = await service.follow_account(
        ctx.services,
        account_id=ctx.user_id,
        target_id=ctx.path_id(),
        reblogs=form.reblogs,
        notify=form.notify,
    )
    return json_response(relationship)


@router.post(
    "/api/v1/accounts/{id:int}/unfollow",
    summary="Unfollow an account (or withdraw a pending follow request)",
    auth="user",
    scope="write:follows",
    response=Relationship,
)
async def unfollow(ctx: Context) -> Response:
    relationship = await service.unfollow_account(
        ctx.services, account_id=ctx.user_id, target_id=ctx.path_id()
    )
    return json_response(relationship)


@router.post(
    "/api/v1/accounts/{id:int}/block",
    summary="Block an account (removes follows both ways)",
    auth="user",
    scope="write:blocks",
    response=Relationship,
)
async def block(ctx: Context) -> Response:
    relationship = await service.block_account(
        ctx.services, account_id=ctx.user_id, target_id=ctx.path_id()
    )
    return json_response(relationship)


@router.post(
    "/api/v1/accounts/{id:int}/unblock",
    summary="Unblock an account",
    auth="user",
    scope="write:blocks",
    response=Relationship,
)
async def unblock(ctx: Context) -> Response:
    relationship = await service.unblock_account(
        ctx.services, account_id=ctx.user_id, target_id=ctx.path_id()
    )
    return json_response(relationship)


@router.post(
    "/api/v1/accounts/{id:int}/mute",
    summary="Mute an account (and by default its notifications)",
    auth="user",
    scope="write:mutes",
    response=Relationship,
)
async def mute(ctx: Context, form: MuteForm) -> Response:
    relationship = await service.mute_account(
        ctx.services,
        account_id=ctx.user_id,
        target_id=ctx.path_id(),
        notifications=form.notifications,
    )
    return json_response(relationship)


@router.post(
    "/api/v1/accounts/{id:int}/unmute",
    summary="Unmute an account",
    auth="user",
    scope="write:mutes",
    response=Relationship,
)
async def unmute(ctx: Context) -> Response:
    relationship = await service.unmute_account(
        ctx.services, account_id=ctx.user_id, target_id=ctx.path_id()
    )
    return json_response(relationship)


@router.get(
    "/api/v1/accounts/relationships",
    summary="Relationships of the caller with the given accounts",
    auth="user",
    scope="read:follows",
    response=list[Relationship],
)
async def relationships(ctx: Context, query: RelationshipsQuery) -> Response:
    found = await lists.get_relationships(ctx.services, viewer_id=ctx.user_id, account_ids=query.id)
    return json_response(found)


@router.get(
    "/api/v1/accounts/{id:int}/followers",
    summary="Accounts following an account",
    auth="optional",
    scope="read:accounts",
    response=list[Account],
)
async def followers(ctx: Context, query: PageQuery) -> Response:
    found = await lists.list_followers(
        ctx.services,
        account_id=ctx.path_id(),
        viewer_id=ctx.viewer_id,
        page=page_from(query, default=ACCOUNT_LIST_DEFAULT, maximum=ACCOUNT_LIST_MAX),
    )
    return _accounts_response(ctx, found)


@router.get(
    "/api/v1/accounts/{id:int}/following",
    summary="Accounts an account follows",
    auth="optional",
    scope="read:accounts",
    response=list[Account],
)
async def following(ctx: Context, query: PageQuery) -> Response:
    found = await lists.list_following(
        ctx.services,
        account_id=ctx.path_id(),
        viewer_id=ctx.viewer_id,
        page=page_from(query, default=ACCOUNT_LIST_DEFAULT, maximum=ACCOUNT_LIST_MAX),
    )
    return _accounts_response(ctx, found)


@router.get(
    "/api/v1/blocks",
    summary="Accounts the caller blocks",
    auth="user",
    scope="read:blocks",
    response=list[Account],
)
async def blocks(ctx: Context, query: PageQuery) -> Response:
    found = await lists.list_blocks(
        ctx.services,
        account_id=ctx.user_id,
        page=page_from(query, default=ACCOUNT_LIST_DEFAULT, maximum=ACCOUNT_LIST_MAX),
    )
    return _accounts_response(ctx, found)


@router.get(
    "/api/v1/mutes",
    summary="Accounts the caller mutes",
    auth="user",
    scope="read:mutes",
    response=list[Account],
)
async def mutes(ctx: Context, query: PageQuery) -> Response:
    found = await lists.list_mutes(
        ctx.services,
        account_id=ctx.user_id,
        page=page_from(query, default=ACCOUNT_LIST_DEFAULT, maximum=ACCOUNT_LIST_MAX),
    )
    return _accounts_response(ctx, found)


@router.get(
    "/api/v1/follow_requests",
    summary="Accounts asking to follow the caller (a locked account), newest first",
    auth="user",
    scope="read:follows",
    response=list[Account],
)
async def follow_requests(ctx: Context, query: PageQuery) -> Response:
    found = await requests.list_follow_requests(
        ctx.services,
        account_id=ctx.user_id,
        page=page_from(query, default=ACCOUNT_LIST_DEFAULT, maximum=ACCOUNT_LIST_MAX),
    )
    return _accounts_response(ctx, found)


@router.post(
    "/api/v1/follow_requests/{account_id:int}/authorize",
    summary="Accept an account's follow request; answers the relationship with it",
    auth="user",
    scope="write:follows",
    response=Relationship,
)
async def authorize_follow_request(ctx: Context) -> Response:
    relationship = await requests.authorize_follow_request(
        ctx.services, account_id=ctx.user_id, requester_id=ctx.path_id("account_id")
    )
    return json_response(relationship)


@router.post(
    "/api/v1/follow_requests/{account_id:int}/reject",
    summary="Refuse an account's follow request; answers the relationship with it",
    auth="user",
    scope="write:follows",
    response=Relationship,
)
async def reject_follow_request(ctx: Context) -> Response:
    relationship = await requests.reject_follow_request(
        ctx.services, account_id=ctx.user_id, requester_id=ctx.path_id("account_id")
    )
    return json_response(relationship)
