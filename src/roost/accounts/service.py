"""Account use cases: create an account, sign up through the API."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.accounts.confirmation import request_confirmation
from roost.accounts.validation import (
    AccountValidationError,
    Problems,
    check_reason,
    check_signup,
    strip_control_chars,
)
from roost.db import schema
from roost.kernel.errors import Forbidden
from roost.notifications.outbox import notify_admins_of_sign_up

if TYPE_CHECKING:
    from roost.oauth.tokens import IssuedToken
    from roost.services import Services

_TAKEN = "has already been taken"


@dataclasses.dataclass(frozen=True, slots=True)
class NewAccount:
    """A validated account, password already hashed, ready to insert."""

    id: int
    username: str
    email: str
    password_hash: str
    display_name: str
    date_of_birth: date | None
    locale: str
    is_admin: bool
    # Accounts made by an operator (create-admin, seeds, tests) start confirmed
    # and approved; sign-ups through the API may not.
    confirmed: bool = True
    approved: bool = True
    sign_up_reason: str | None = None
    created_by_app_id: int | None = None


async def prepare_account(
    services: Services,
    *,
    username: str,
    email: str,
    password: str,
    display_name: str,
    date_of_birth: date | None,
    locale: str,
    is_admin: bool,
    agreement: bool = True,
    reason: str = "",
    reason_required: bool = False,
) -> NewAccount:
    """Validate every field (one 422 naming all problems) and hash the password."""
    display_name = strip_control_chars(display_name).strip()
    problems = Problems()
    check_signup(
        problems,
        username=username,
        email=email,
        password=password,
        display_name=display_name,
        locale=locale,
        date_of_birth=date_of_birth,
    )
    if not agreement:
        problems.add("agreement", "ERR_ACCEPTED", "must be accepted")
    check_reason(problems, reason, required=reason_required)
    problems.check()
    # argon2 is slow on purpose: hash off the event loop and outside the write lock.
    password_hash = await asyncio.to_thread(services.passwords.hash, password)
    return NewAccount(
        id=services.ids.next_id(),
        username=username,
        email=email,
        password_hash=password_hash,
        display_name=display_name,
        date_of_birth=date_of_birth,
        locale=locale,
        is_admin=is_admin,
    )


async def create_account(
    services: Services,
    *,
    username: str,
    email: str,
    password: str,
    display_name: str = "",
    date_of_birth: date | None = None,
    is_admin: bool = False,
    locale: str = "en",
) -> int:
    """Create an account; 422 when the username or email is taken or invalid."""
    account = await prepare_account(
        services,
        username=username,
        email=email,
        password=password,
        display_name=display_name,
        date_of_birth=date_of_birth,
        locale=locale,
        is_admin=is_admin,
    )
    try:
        async with services.db.write() as conn:
            await insert_account(conn, account)
    except sa.exc.IntegrityError:
        raise _race_lost() from None
    return account.id


async def sign_up(
    services: Services,
    *,
    app_id: int,
    scopes: str,
    username: str,
    email: str,
    password: str,
    agreement: bool,
    locale: str,
    date_of_birth: date | None,
    display_name: str,
    reason: str | None = None,
) -> IssuedToken:
    """Create an account and its first access token (for the calling app) in one
    transaction, as ``POST /api/v1/accounts`` does.

    In registrations mode "approved" the account waits for an admin and a
    reason is required; when e-mail confirmation is required the account
    starts unconfirmed and a job mails the confirmation link. Either way the
    token is returned at once, as Mastodon does: user endpoints answer 403
    with it until the account is confirmed and approved."""
    settings = services.settings
    mode = settings.effective_registrations_mode
    if mode == "none":
        raise Forbidden("Registrations are closed on this server")
    needs_approval = mode == "approved"
    needs_confirmation = settings.email_confirmation_required
    reason = strip_control_chars(reason or "").strip()
    prepared = await prepare_account(
        services,
        username=username,
        email=email,
        password=password,
        display_name=display_name,
        date_of_birth=date_of_birth,
        locale=locale,
        is_admin=False,
        agreement=agreement,
        reason=reason,
        reason_required=needs_approval,
    )
    account = dataclasses.replace(
        prepared,
        confirmed=not needs_confirmation,
        approved=not needs_approval,
        sign_up_reason=reason or None,
        created_by_app_id=app_id,
    )
    try:
        async with services.db.write() as conn:
            await insert_account(conn, account)
            if needs_confirmation:
                await request_confirmation(conn, services, account.id)
            await notify_admins_of_sign_up(conn, services, account.id)
            issued = await services.tokens.issue(
                conn, app_id=app_id, account_id=account.id, scopes=scopes
            )
    except sa.exc.IntegrityError:
        raise _race_lost() from None
    services.jobs.notify()
    return issued


def _race_lost() -> AccountValidationError:
    # A concurrent sign-up took the name between our check and the insert.
    return AccountValidationError([("username", "ERR_TAKEN", _TAKEN)])


async def insert_account(conn: AsyncConnection, account: NewAccount) -> None:
    """Insert a validated account in the open transaction; 422 if a name is taken.

    Usernames and emails are unique ignoring case (``username_key`` and the
    stored email are lower-cased)."""
    a = schema.accounts
    username_key = account.username.lower()
    email_key = account.email.lower()
    taken = (
        await conn.execute(
            sa.select(a.c.username_key, a.c.email).where(
                sa.or_(a.c.username_key == username_key, a.c.email == email_key)
            )
        )
    ).all()
    problems = Problems()
    if any(row.username_key == username_key for row in taken):
        problems.add("username", "ERR_TAKEN", _TAKEN)
    if any(row.email == email_key for row in taken):
        problems.add("email", "ERR_TAKEN", _TAKEN)
    problems.check()
    now = datetime.now(UTC)
    await conn.execute(
        a.insert().values(
            id=account.id,
            username=account.username,
            username_key=username_key,
            display_name=account.display_name,
            email=email_key,
            date_of_birth=account.date_of_birth,
            password_hash=account.password_hash,
            created_at=now,
            fields=[],
            is_admin=account.is_admin,
            locale=account.locale,
            confirmed_at=now if account.confirmed else None,
            approved=account.approved,
            sign_up_reason=account.sign_up_reason,
            created_by_app_id=account.created_by_app_id,
        )
    )
