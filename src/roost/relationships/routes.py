"""HTTP routes of the relationships domain."""

from __future__ import annotations

import msgspec
from starlette.responses import Response

from roost.accounts.entities import Account
from roost.api.errors import ApiError
from roost.api.paging import PageQuery, link_header, page_from
from roost.api.responses import EmptyObject, empty_object, json_response
from roost.api.routing import Context, Router
from roost.relationships import lists, requests, service, social
from roost.relationships.entities import Relationship

router = Router("relationships")

ACCOUNT_LIST_DEFAULT = 40
ACCOUNT_LIST_MAX = 80


class FollowForm(msgspec.Struct, kw_only=True):
    reblogs: bool | None = None
    notify: bool | None = None
    # Stored and shown in the Relationship; feeds do not filter on it yet.
    languages: list[str] | None = None


class MuteForm(msgspec.Struct, kw_only=True):
    notifications: bool = True
    # Seconds until the mute ends by itself; 0 or absent: until unmuted.
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
        languages=form.languages,
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
    errors=(422,),
)
async def mute(ctx: Context, form: MuteForm) -> Response:
    relationship = await service.mute_account(
        ctx.services,
        account_id=ctx.user_id,
        target_id=ctx.path_id(),
        notifications=form.notifications,
        duration=form.duration,
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
    found = await lists.get_relationships(
        ctx.services,
        viewer_id=ctx.user_id,
        account_ids=query.id,
        with_suspended=query.with_suspended,
    )
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


# -- endorsements, domain blocks, suggestions, familiar followers -------------


@router.post(
    "/api/v1/accounts/{id:int}/pin",
    summary="Feature (endorse) a followed account on the caller's profile",
    auth="user",
    scope="write:accounts",
    response=Relationship,
    errors=(422,),
)
async def endorse(ctx: Context) -> Response:
    relationship = await social.endorse(
        ctx.services, account_id=ctx.user_id, target_id=ctx.path_id()
    )
    return json_response(relationship)


@router.post(
    "/api/v1/accounts/{id:int}/unpin",
    summary="Stop featuring an account on the caller's profile",
    auth="user",
    scope="write:accounts",
    response=Relationship,
)
async def unendorse(ctx: Context) -> Response:
    relationship = await social.unendorse(
        ctx.services, account_id=ctx.user_id, target_id=ctx.path_id()
    )
    return json_response(relationship)


@router.get(
    "/api/v1/endorsements",
    summary="Accounts the caller features on the profile",
    auth="user",
    scope="read:accounts",
    response=list[Account],
)
async def endorsements(ctx: Context, query: PageQuery) -> Response:
    found = await social.list_endorsements(
        ctx.services,
        account_id=ctx.user_id,
        page=page_from(query, default=ACCOUNT_LIST_DEFAULT, maximum=ACCOUNT_LIST_MAX),
    )
    return _accounts_response(ctx, found)


class DomainForm(msgspec.Struct, kw_only=True):
    domain: str


DOMAIN_LIST_DEFAULT, DOMAIN_LIST_MAX = 100, 200


@router.get(
    "/api/v1/domain_blocks",
    summary="Domains the caller blocks (stored only: Roost does not federate)",
    auth="user",
    scope="read:blocks",
    response=list[str],
)
async def domain_blocks(ctx: Context, query: PageQuery) -> Response:
    found = await social.list_domain_blocks(
        ctx.services,
        account_id=ctx.user_id,
        page=page_from(query, default=DOMAIN_LIST_DEFAULT, maximum=DOMAIN_LIST_MAX),
    )
    return json_response(found.domains, headers=link_header(ctx.request, found.cursor_ids))


@router.post(
    "/api/v1/domain_blocks",
    summary="Block a domain (stored only: every Roost account is local)",
    auth="user",
    scope="write:blocks",
    response=EmptyObject,
    errors=(422,),
)
async def block_domain(ctx: Context, form: DomainForm) -> Response:
    await social.block_domain(ctx.services, account_id=ctx.user_id, domain=form.domain)
    return empty_object()


@router.delete(
    "/api/v1/domain_blocks",
    summary="Unblock a domain",
    auth="user",
    scope="write:blocks",
    response=EmptyObject,
    errors=(422,),
)
async def unblock_domain(ctx: Context, form: DomainForm) -> Response:
    await social.unblock_domain(ctx.services, account_id=ctx.user_id, domain=form.domain)
    return empty_object()


class SuggestionsQuery(msgspec.Struct, kw_only=True):
    limit: int = 40


class Suggestion(msgspec.Struct, kw_only=True):
    """Mastodon's v2 Suggestion: why, and whom."""

    source: str
    sources: list[str]
    account: Account


def _suggestion_limit(query: SuggestionsQuery) -> int:
    return max(1, min(query.limit, ACCOUNT_LIST_MAX))


@router.get(
    "/api/v2/suggestions",
    summary="Accounts to follow: followed by those the caller follows, then popular ones",
    auth="user",
    scope="read:accounts",
    response=list[Suggestion],
)
async def suggestions_v2(ctx: Context, query: SuggestionsQuery) -> Response:
    found = await social.suggestions(
        ctx.services, account_id=ctx.user_id, limit=_suggestion_limit(query)
    )
    return json_response(
        [
            Suggestion(
                source="past_interactions" if s.source == social.FRIENDS_OF_FRIENDS else "global",
                sources=[s.source],
                account=s.account,
            )
            for s in found
        ]
    )


@router.get(
    "/api/v1/suggestions",
    summary="Accounts to follow (v1: the accounts only)",
    auth="user",
    scope="read:accounts",
    response=list[Account],
)
async def suggestions_v1(ctx: Context, query: SuggestionsQuery) -> Response:
    found = await social.suggestions(
        ctx.services, account_id=ctx.user_id, limit=_suggestion_limit(query)
    )
    return json_response([s.account for s in found])


@router.delete(
    "/api/v1/suggestions/{id:int}",
    summary="Never suggest this account again",
    auth="user",
    scope="read:accounts",
    response=EmptyObject,
    errors=(404,),
)
async def dismiss_suggestion(ctx: Context) -> Response:
    await social.dismiss_suggestion(ctx.services, account_id=ctx.user_id, target_id=ctx.path_id())
    return empty_object()


class FamiliarQuery(msgspec.Struct, kw_only=True):
    id: list[str] = []


class FamiliarFollowers(msgspec.Struct, kw_only=True):
    id: str
    accounts: list[Account]


@router.get(
    "/api/v1/accounts/familiar_followers",
    summary="For each account: the accounts the caller follows that follow it",
    auth="user",
    scope="read:follows",
    response=list[FamiliarFollowers],
)
async def familiar_followers(ctx: Context, query: FamiliarQuery) -> Response:
    ids = query.id
    if not ids:
        # Mastodon.py sends this GET's ids as a JSON body, which Mastodon reads.
        body = await ctx.request.body()
        if body:
            try:
                ids = msgspec.json.decode(body, type=FamiliarQuery).id
            except (msgspec.DecodeError, msgspec.ValidationError):
                raise ApiError(422, "Validation failed: id must be a list of ids") from None
    found = await social.familiar_followers(ctx.services, viewer_id=ctx.user_id, account_ids=ids)
    return json_response([FamiliarFollowers(id=i, accounts=a) for i, a in found])
