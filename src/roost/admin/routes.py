"""HTTP routes of moderation: list, view, approve and reject accounts.

Only administrators may call them, with an ``admin:read:accounts`` or
``admin:write:accounts`` token (or the broader ``admin:read``/``admin:write``).
"""

from __future__ import annotations

from starlette.responses import Response

from roost.accounts.approval import approve_account, reject_account
from roost.admin.accounts import (
    AccountFilter,
    list_admin_accounts,
    load_admin_account,
    require_admin,
)
from roost.admin.entities import AdminAccount
from roost.admin.serializers import serialize_admin_account
from roost.api.paging import PageQuery, link_header, page_from
from roost.api.responses import json_response
from roost.api.routing import Context, Router

router = Router("admin")

# Mastodon: 100 accounts a page unless asked, at most 200.
_DEFAULT_LIMIT, _MAX_LIMIT = 100, 200


class AccountsQuery(PageQuery, kw_only=True):
    """The v1 filters Roost can answer (it has local accounts only)."""

    local: bool | None = None
    remote: bool | None = None
    active: bool | None = None
    pending: bool | None = None
    staff: bool | None = None
    username: str | None = None
    email: str | None = None


class AccountsQueryV2(PageQuery, kw_only=True):
    # local | remote
    origin: str | None = None
    # active | pending (disabled, silenced, suspended: Roost has none)
    status: str | None = None
    username: str | None = None
    email: str | None = None


async def _listing(ctx: Context, which: AccountFilter, query: PageQuery) -> Response:
    await require_admin(ctx.services, account_id=ctx.user_id)
    page = page_from(query, default=_DEFAULT_LIMIT, maximum=_MAX_LIMIT)
    rows = await list_admin_accounts(ctx.services, which=which, page=page)
    settings = ctx.services.settings
    return json_response(
        [serialize_admin_account(settings, r) for r in rows],
        headers=link_header(ctx.request, [r.record.id for r in rows]),
    )


@router.get(
    "/api/v1/admin/accounts",
    summary="Accounts for moderators (filters: pending, active, staff, username, email)",
    auth="user",
    scope="admin:read:accounts",
    response=list[AdminAccount],
)
async def admin_accounts_v1(ctx: Context, query: AccountsQuery) -> Response:
    status = "pending" if query.pending else "active" if query.active else None
    which = AccountFilter(
        status=status,
        staff=bool(query.staff),
        username=query.username,
        email=query.email,
        nothing=bool(query.remote),
    )
    return await _listing(ctx, which, query)


@router.get(
    "/api/v2/admin/accounts",
    summary="Accounts for moderators (filters: status, origin, username, email)",
    auth="user",
    scope="admin:read:accounts",
    response=list[AdminAccount],
)
async def admin_accounts_v2(ctx: Context, query: AccountsQueryV2) -> Response:
    # Statuses Roost does not have (disabled, silenced, suspended) match nobody.
    unknown_status = query.status not in (None, "", "active", "pending")
    which = AccountFilter(
        status=query.status or None,
        username=query.username,
        email=query.email,
        nothing=query.origin == "remote" or unknown_status,
    )
    return await _listing(ctx, which, query)


@router.get(
    "/api/v1/admin/accounts/{id:int}",
    summary="One account for moderators",
    auth="user",
    scope="admin:read:accounts",
    response=AdminAccount,
)
async def admin_account(ctx: Context) -> Response:
    await require_admin(ctx.services, account_id=ctx.user_id)
    row = await load_admin_account(ctx.services, account_id=ctx.path_id())
    return json_response(serialize_admin_account(ctx.services.settings, row))


@router.post(
    "/api/v1/admin/accounts/{id:int}/approve",
    summary="Approve a pending sign-up",
    auth="user",
    scope="admin:write:accounts",
    response=AdminAccount,
)
async def approve(ctx: Context) -> Response:
    await require_admin(ctx.services, account_id=ctx.user_id)
    account_id = ctx.path_id()
    await approve_account(ctx.services, account_id=account_id)
    row = await load_admin_account(ctx.services, account_id=account_id)
    return json_response(serialize_admin_account(ctx.services.settings, row))


@router.post(
    "/api/v1/admin/accounts/{id:int}/reject",
    summary="Reject a pending sign-up: the account is deleted",
    auth="user",
    scope="admin:write:accounts",
    response=AdminAccount,
)
async def reject(ctx: Context) -> Response:
    await require_admin(ctx.services, account_id=ctx.user_id)
    account_id = ctx.path_id()
    # Answered with the account as it was, as Mastodon does.
    row = await load_admin_account(ctx.services, account_id=account_id)
    await reject_account(ctx.services, account_id=account_id)
    return json_response(serialize_admin_account(ctx.services.settings, row))
