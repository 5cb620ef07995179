"""HTTP routes of moderation: list, view, approve, reject and act on
accounts; reports (filed by any user, handled by administrators).

Only administrators may call them, with an ``admin:read:accounts`` or
``admin:write:accounts`` token (or the broader ``admin:read``/``admin:write``).
"""

from __future__ import annotations

import contextlib

import msgspec
from starlette.responses import Response

from roost.accounts.approval import approve_account, reject_account
from roost.accounts.deletion import delete_suspended_account
from roost.accounts.store import load_account
from roost.admin.accounts import (
    AccountFilter,
    list_admin_accounts,
    load_admin_account,
    require_admin,
)
from roost.admin.actions import take_action, undo_action
from roost.admin.entities import AdminAccount, AdminReport, Report
from roost.admin.reports import (
    ReportFilter,
    ReportRow,
    assign_report,
    file_report,
    list_reports,
    load_report,
    reopen_report,
    resolve_report,
)
from roost.admin.serializers import (
    serialize_admin_account,
    serialize_admin_report,
    serialize_report,
)
from roost.api.paging import PageQuery, link_header, page_from
from roost.api.responses import EmptyObject, empty_object, json_response
from roost.api.routing import Context, Router
from roost.kernel.errors import NotFound
from roost.kernel.idtext import parse_id
from roost.statuses.hydrate import render_statuses

router = Router("admin")

# Mastodon: 100 accounts a page unless asked, at most 200.
_DEFAULT_LIMIT, _MAX_LIMIT = 100, 200


class AccountsQuery(PageQuery, kw_only=True):
    """The v1 filters Roost can answer (it has local accounts only)."""

    local: bool | None = None
    remote: bool | None = None
    active: bool | None = None
    pending: bool | None = None
    disabled: bool | None = None
    silenced: bool | None = None
    suspended: bool | None = None
    staff: bool | None = None
    username: str | None = None
    email: str | None = None


class AccountsQueryV2(PageQuery, kw_only=True):
    # local | remote
    origin: str | None = None
    # active | pending | disabled | silenced | suspended
    status: str | None = None
    # Only "Admin" matches anyone (Roost has no other staff roles).
    permissions: str | None = None
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
    summary="Accounts for moderators (filters: pending, active, disabled, silenced, suspended, "
    "staff, username, email)",
    auth="user",
    scope="admin:read:accounts",
    response=list[AdminAccount],
)
async def admin_accounts_v1(ctx: Context, query: AccountsQuery) -> Response:
    status = next(
        (
            name
            for name in ("pending", "disabled", "silenced", "suspended", "active")
            if getattr(query, name)
        ),
        None,
    )
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
    summary="Accounts for moderators (filters: status, origin, permissions, username, email)",
    auth="user",
    scope="admin:read:accounts",
    response=list[AdminAccount],
)
async def admin_accounts_v2(ctx: Context, query: AccountsQueryV2) -> Response:
    known = (None, "", "active", "pending", "disabled", "silenced", "suspended")
    unknown_status = query.status not in known
    which = AccountFilter(
        status=query.status or None,
        staff=query.permissions == "staff",
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


@router.delete(
    "/api/v1/admin/accounts/{id:int}",
    summary="Delete a suspended account's data for good (its name stays taken); "
    "answers the account as it was",
    auth="user",
    scope="admin:write:accounts",
    response=AdminAccount,
    errors=(403, 404),
)
async def admin_delete_account(ctx: Context) -> Response:
    await require_admin(ctx.services, account_id=ctx.user_id)
    account_id = ctx.path_id()
    row = await load_admin_account(ctx.services, account_id=account_id)
    await delete_suspended_account(ctx.services, account_id=account_id)
    return json_response(serialize_admin_account(ctx.services.settings, row))


# -- account actions ---------------------------------------------------------


class ActionForm(msgspec.Struct, kw_only=True):
    type: str = "none"
    report_id: str | None = None
    # Mastodon's warning text and e-mail flags: accepted; Roost sends no
    # warnings yet.
    text: str | None = None
    warning_preset_id: str | None = None
    send_email_notification: bool | None = None


@router.post(
    "/api/v1/admin/accounts/{id:int}/action",
    summary="Act on an account: none, sensitive, disable, silence or suspend "
    "(resolves report_id when given)",
    auth="user",
    scope="admin:write:accounts",
    response=EmptyObject,
    errors=(404, 422),
)
async def account_action(ctx: Context, form: ActionForm) -> Response:
    await require_admin(ctx.services, account_id=ctx.user_id)
    report_id = parse_id(form.report_id) if form.report_id else None
    if form.report_id and report_id is None:
        raise NotFound("Report")
    await take_action(
        ctx.services,
        moderator_id=ctx.user_id,
        account_id=ctx.path_id(),
        action=form.type,
        report_id=report_id,
    )
    return empty_object()


def _undo_route(undo: str, summary: str) -> None:
    async def handler(ctx: Context) -> Response:
        await require_admin(ctx.services, account_id=ctx.user_id)
        account_id = ctx.path_id()
        await undo_action(ctx.services, account_id=account_id, undo=undo)
        row = await load_admin_account(ctx.services, account_id=account_id)
        return json_response(serialize_admin_account(ctx.services.settings, row))

    handler.__name__ = f"admin_{undo}"
    router.post(
        f"/api/v1/admin/accounts/{{id:int}}/{undo}",
        summary=summary,
        auth="user",
        scope="admin:write:accounts",
        response=AdminAccount,
        errors=(404,),
    )(handler)


_undo_route("unsuspend", "Lift an account's suspension")
_undo_route("unsilence", "Lift an account's silence (limit)")
_undo_route("enable", "Re-enable an account's login")
_undo_route("unsensitive", "Stop marking an account's media sensitive")


# -- reports -----------------------------------------------------------------


class ReportForm(msgspec.Struct, kw_only=True):
    account_id: str
    status_ids: list[str] = []
    comment: str = ""
    forward: bool = False
    category: str | None = None
    rule_ids: list[str] = []


@router.post(
    "/api/v1/reports",
    summary="Report an account (and some of its statuses) to the moderators",
    auth="user",
    scope="write:reports",
    response=Report,
    errors=(404, 422),
)
async def file_report_route(ctx: Context, form: ReportForm) -> Response:
    row = await file_report(
        ctx.services,
        account_id=ctx.user_id,
        target_account_id=form.account_id,
        status_ids=form.status_ids,
        rule_ids=form.rule_ids,
        comment=form.comment,
        category=form.category,
    )
    target = await load_account(ctx.services, row.target_account_id)
    if target is None:
        raise NotFound()
    return json_response(serialize_report(ctx.services.settings, row, target))


class ReportsQuery(PageQuery, kw_only=True):
    resolved: bool = False
    account_id: str | None = None
    target_account_id: str | None = None


async def _admin_report(ctx: Context, row: ReportRow) -> AdminReport:
    services = ctx.services
    wanted = {
        i
        for i in (
            row.account_id,
            row.target_account_id,
            row.assigned_account_id,
            row.action_taken_by_account_id,
        )
        if i is not None
    }
    accounts = {}
    for account_id in wanted:
        with contextlib.suppress(NotFound):
            accounts[account_id] = await load_admin_account(services, account_id=account_id)
    if row.account_id not in accounts or row.target_account_id not in accounts:
        raise NotFound("Report")
    # As the reported account sees them (moderators see private ones too).
    statuses = await render_statuses(
        services, row.status_ids, viewer_id=row.target_account_id, primary=True
    )
    return serialize_admin_report(services.settings, row, accounts, statuses)


def _optional_id(text: str | None) -> int | None:
    return parse_id(text) if text else None


@router.get(
    "/api/v1/admin/reports",
    summary="Reports for moderators (unresolved unless resolved=true), newest first",
    auth="user",
    scope="admin:read:reports",
    response=list[AdminReport],
)
async def admin_reports(ctx: Context, query: ReportsQuery) -> Response:
    await require_admin(ctx.services, account_id=ctx.user_id)
    which = ReportFilter(
        resolved=query.resolved,
        account_id=_optional_id(query.account_id),
        target_account_id=_optional_id(query.target_account_id),
    )
    rows = await list_reports(
        ctx.services, which=which, page=page_from(query, default=_DEFAULT_LIMIT, maximum=_MAX_LIMIT)
    )
    found = []
    for row in rows:
        with contextlib.suppress(NotFound):
            found.append(await _admin_report(ctx, row))
    return json_response(found, headers=link_header(ctx.request, [r.id for r in rows]))


@router.get(
    "/api/v1/admin/reports/{id:int}",
    summary="One report for moderators",
    auth="user",
    scope="admin:read:reports",
    response=AdminReport,
    errors=(404,),
)
async def admin_report(ctx: Context) -> Response:
    await require_admin(ctx.services, account_id=ctx.user_id)
    row = await load_report(ctx.services, report_id=ctx.path_id())
    return json_response(await _admin_report(ctx, row))


def _report_route(name: str, summary: str) -> None:
    async def handler(ctx: Context) -> Response:
        await require_admin(ctx.services, account_id=ctx.user_id)
        report_id = ctx.path_id()
        services = ctx.services
        if name == "assign_to_self":
            row = await assign_report(services, report_id=report_id, moderator_id=ctx.user_id)
        elif name == "unassign":
            row = await assign_report(services, report_id=report_id, moderator_id=None)
        elif name == "resolve":
            row = await resolve_report(services, report_id=report_id, moderator_id=ctx.user_id)
        else:
            row = await reopen_report(services, report_id=report_id)
        return json_response(await _admin_report(ctx, row))

    handler.__name__ = f"admin_report_{name}"
    router.post(
        f"/api/v1/admin/reports/{{id:int}}/{name}",
        summary=summary,
        auth="user",
        scope="admin:write:reports",
        response=AdminReport,
        errors=(404,),
    )(handler)


_report_route("assign_to_self", "Take a report")
_report_route("unassign", "Give a report back")
_report_route("resolve", "Mark a report resolved")
_report_route("reopen", "Open a resolved report again")
