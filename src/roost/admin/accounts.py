"""Admin views of accounts: who may moderate, and the filtered listing."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa

from roost.accounts.records import AccountRecord
from roost.accounts.store import RECORD_COLUMNS, load_account
from roost.db import schema
from roost.db.paging import newest_first, paged
from roost.kernel.errors import Forbidden, NotFound
from roost.kernel.paging import Page

if TYPE_CHECKING:
    from roost.services import Services

_a = schema.accounts
_ADMIN_COLUMNS = [
    _a.c.confirmed_at,
    _a.c.approved,
    _a.c.sign_up_reason,
    _a.c.created_by_app_id,
    _a.c.disabled,
    _a.c.sensitized_at,
]


@dataclasses.dataclass(frozen=True, slots=True)
class AdminAccountRow:
    """An account with what only moderators see."""

    record: AccountRecord
    confirmed_at: datetime | None
    approved: bool
    sign_up_reason: str | None
    created_by_app_id: int | None
    disabled: bool = False
    sensitized: bool = False


@dataclasses.dataclass(frozen=True, slots=True)
class AccountFilter:
    """``status``: active (approved, not suspended), pending (awaiting an
    admin), disabled, silenced or suspended; None: every account."""

    status: str | None = None
    staff: bool = False
    username: str | None = None
    email: str | None = None
    # Roost has local accounts only: a filter for remote ones finds nothing.
    nothing: bool = False


async def require_admin(services: Services, *, account_id: int) -> None:
    """403 unless the caller is an administrator."""
    record = await load_account(services, account_id)
    if record is None or not record.is_admin:
        raise Forbidden()


def _row(row: sa.Row[tuple[object, ...]]) -> AdminAccountRow:
    values = row._mapping
    record = AccountRecord(**{name: values[name] for name in AccountRecord.__struct_fields__})
    return AdminAccountRow(
        record=record,
        confirmed_at=values["confirmed_at"],
        approved=bool(values["approved"]),
        sign_up_reason=values["sign_up_reason"],
        created_by_app_id=values["created_by_app_id"],
        disabled=bool(values["disabled"]),
        sensitized=values["sensitized_at"] is not None,
    )


async def load_admin_account(services: Services, *, account_id: int) -> AdminAccountRow:
    async with services.db.read(primary=True) as conn:
        row = (
            await conn.execute(
                sa.select(*RECORD_COLUMNS, *_ADMIN_COLUMNS).where(_a.c.id == account_id)
            )
        ).first()
    if row is None:
        raise NotFound("Record")
    return _row(row)


async def list_admin_accounts(
    services: Services, *, which: AccountFilter, page: Page
) -> list[AdminAccountRow]:
    """Accounts matching ``which``, newest first, one page."""
    if which.nothing:
        return []
    query = sa.select(*RECORD_COLUMNS, *_ADMIN_COLUMNS)
    if which.status == "pending":
        query = query.where(_a.c.approved.is_(False))
    elif which.status == "active":
        query = query.where(_a.c.approved.is_(True), _a.c.suspended_at.is_(None))
    elif which.status == "disabled":
        query = query.where(_a.c.disabled.is_(True))
    elif which.status == "silenced":
        query = query.where(_a.c.silenced_at.is_not(None))
    elif which.status == "suspended":
        query = query.where(_a.c.suspended_at.is_not(None))
    if which.staff:
        query = query.where(_a.c.is_admin.is_(True))
    if which.username:
        query = query.where(_a.c.username_key.startswith(which.username.lower(), autoescape=True))
    if which.email:
        query = query.where(_a.c.email == which.email.strip().lower())
    async with services.db.read(primary=True) as conn:
        rows = (await conn.execute(paged(query, _a.c.id, page))).all()
    return [_row(r) for r in newest_first(rows, page)]
