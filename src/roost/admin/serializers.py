"""AdminAccountRow -> Mastodon's Admin::Account JSON."""

from __future__ import annotations

from roost.accounts.serializers import serialize_account
from roost.admin.accounts import AdminAccountRow
from roost.admin.entities import AdminAccount, Role
from roost.config import Settings
from roost.kernel.timefmt import format_datetime

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
        disabled=False,
        sensitized=False,
        silenced=False,
        suspended=False,
        account=serialize_account(settings, record),
        created_by_application_id=(
            str(row.created_by_app_id) if row.created_by_app_id is not None else None
        ),
    )
