"""AdminAccountRow -> Mastodon's Admin::Account JSON."""

from __future__ import annotations

from roost.accounts.records import AccountRecord
from roost.accounts.serializers import serialize_account
from roost.admin.accounts import AdminAccountRow
from roost.admin.entities import AdminAccount, AdminReport, Report, Role
from roost.admin.reports import ReportRow
from roost.config import Settings
from roost.kernel.timefmt import format_datetime
from roost.statuses.entities import Status

# Mastodon's built-in roles as clients know them: the everyone role (-99,
# only the invite permission) and the administrator bit for admins.
_USER_ROLE = Role(id="-99", name="", color="", permissions="65536", highlighted=False)
_ADMIN_ROLE = Role(id="3", name="Admin", color="", permissions="1", highlighted=True)


def serialize_admin_account(settings: Settings, row: AdminAccountRow) -> AdminAccount:
    record = row.record
    return AdminAccount(
        id=str(record.id),
        username=record.username,
        domain=None,
        created_at=format_datetime(record.created_at),
        email=record.email,
        # Roost does not keep sign-in addresses.
        ip=None,
        ips=[],
        locale=record.locale,
        invite_request=row.sign_up_reason,
        role=_ADMIN_ROLE if record.is_admin else _USER_ROLE,
        confirmed=row.confirmed_at is not None,
        approved=row.approved,
        disabled=row.disabled,
        sensitized=row.sensitized,
        silenced=record.silenced,
        suspended=record.suspended,
        account=serialize_account(settings, record),
        created_by_application_id=(
            str(row.created_by_app_id) if row.created_by_app_id is not None else None
        ),
    )


def serialize_report(settings: Settings, row: ReportRow, target: AccountRecord) -> Report:
    return Report(
        id=str(row.id),
        action_taken=row.action_taken_at is not None,
        action_taken_at=format_datetime(row.action_taken_at) if row.action_taken_at else None,
        category=row.category,
        comment=row.comment,
        forwarded=False,
        created_at=format_datetime(row.created_at),
        status_ids=[str(i) for i in row.status_ids] or None,
        rule_ids=[str(i) for i in row.rule_ids] or None,
        target_account=serialize_account(settings, target),
    )


def serialize_admin_report(
    settings: Settings,
    row: ReportRow,
    accounts: dict[int, AdminAccountRow],
    statuses: list[Status],
) -> AdminReport:
    def admin(account_id: int | None) -> AdminAccount | None:
        found = accounts.get(account_id) if account_id is not None else None
        return serialize_admin_account(settings, found) if found is not None else None

    reporter, target = admin(row.account_id), admin(row.target_account_id)
    assert reporter is not None and target is not None  # loaded by the caller
    return AdminReport(
        id=str(row.id),
        action_taken=row.action_taken_at is not None,
        action_taken_at=format_datetime(row.action_taken_at) if row.action_taken_at else None,
        category=row.category,
        comment=row.comment,
        forwarded=False,
        created_at=format_datetime(row.created_at),
        updated_at=format_datetime(row.updated_at),
        account=reporter,
        target_account=target,
        assigned_account=admin(row.assigned_account_id),
        action_taken_by_account=admin(row.action_taken_by_account_id),
        statuses=statuses,
        rules=[],
    )
