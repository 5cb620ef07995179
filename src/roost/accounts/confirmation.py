"""E-mail confirmation: links with random, hashed, expiring tokens.

A sign-up that needs confirmation enqueues a ``confirmation_mail`` job in the
transaction that creates the account (``request_confirmation``); the job
makes a token and mails the link (``roost.accounts.mailjobs``). Following the
link (``GET /auth/confirmation``) confirms the address the token was sent
to: a token sent before the address changed confirms nothing.
"""

from __future__ import annotations

import dataclasses
import enum
import secrets
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.accounts.store import forget_accounts
from roost.accounts.validation import AccountValidationError, Problems, check_email
from roost.db import schema
from roost.jobs.queue import enqueue
from roost.kernel.auth import Viewer, hash_token
from roost.kernel.errors import Forbidden, RateLimited

if TYPE_CHECKING:
    from roost.services import Services

MAIL_JOB = "confirmation_mail"
# The shortest time between two confirmation mails to one account.
RESEND_INTERVAL = timedelta(minutes=1)
_a, _c = schema.accounts, schema.email_confirmations


async def request_confirmation(conn: AsyncConnection, services: Services, account_id: int) -> None:
    """Enqueue the confirmation mail in the open transaction (sent once it commits)."""
    await enqueue(conn, services.ids, MAIL_JOB, {"account_id": account_id})


async def issue_token(
    conn: AsyncConnection, services: Services, *, account_id: int, email: str
) -> str:
    """A new confirmation token for ``email``; only its hash is stored."""
    token = secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    lifetime = timedelta(hours=services.settings.email_confirmation_hours)
    await conn.execute(
        _c.insert().values(
            token_hash=hash_token(token),
            account_id=account_id,
            email=email,
            created_at=now,
            expires_at=now + lifetime,
        )
    )
    return token


class Outcome(enum.Enum):
    CONFIRMED = "confirmed"
    ALREADY_CONFIRMED = "already confirmed"
    EXPIRED = "expired"
    INVALID = "invalid"


@dataclasses.dataclass(frozen=True, slots=True)
class ConfirmationResult:
    outcome: Outcome
    username: str = ""
    # Confirmed, but an admin still has to approve the sign-up.
    pending_approval: bool = False


async def confirm_email(services: Services, *, token: str) -> ConfirmationResult:
    """Confirm the account behind a link's token, if the token is valid."""
    if not token or len(token) > 200:
        return ConfirmationResult(Outcome.INVALID)
    now = datetime.now(UTC)
    # Read first: a wrong or stale link (or a flood of them) takes no write lock.
    async with services.db.read(primary=True) as conn:
        row = (
            await conn.execute(
                sa.select(
                    _c.c.account_id,
                    _c.c.email.label("sent_to"),
                    _c.c.expires_at,
                    _a.c.email,
                    _a.c.username,
                    _a.c.confirmed_at,
                    _a.c.approved,
                )
                .select_from(_c.join(_a, _a.c.id == _c.c.account_id))
                .where(_c.c.token_hash == hash_token(token))
            )
        ).first()
    if row is None or row.sent_to != row.email:
        return ConfirmationResult(Outcome.INVALID)
    pending = not row.approved
    if row.confirmed_at is not None:
        return ConfirmationResult(Outcome.ALREADY_CONFIRMED, row.username, pending)
    if _aware(row.expires_at) <= now:
        return ConfirmationResult(Outcome.EXPIRED, row.username)
    async with services.db.write() as conn:
        # Still the address the link was sent to (it may have changed since).
        await conn.execute(
            _a.update()
            .where(
                _a.c.id == row.account_id,
                _a.c.email == row.sent_to,
                _a.c.confirmed_at.is_(None),
            )
            .values(confirmed_at=now)
        )
        # The other links of this account are spent with this one.
        await conn.execute(_c.delete().where(_c.c.account_id == row.account_id))
    # Tokens of unconfirmed accounts are never cached (roost.oauth.tokens),
    # so the account's tokens work from the next request on; its cached
    # record (which hides it from others) goes.
    await forget_accounts(services, row.account_id)
    return ConfirmationResult(Outcome.CONFIRMED, row.username, pending)


def _aware(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes (stored in UTC).
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


_TAKEN = "has already been taken"
_NOT_OWNER = "This method is only available to the application the user originally signed-up with"
_NOT_AWAITING = "This method is only available while the e-mail is awaiting confirmation"


async def resend_confirmation(services: Services, *, viewer: Viewer, email: str | None) -> None:
    """Send a new confirmation link, first changing the address when ``email``
    is given. Only the app that created the account may ask, and only while
    the address is unconfirmed (403 otherwise, as Mastodon answers)."""
    if viewer.account_id is None:
        raise Forbidden(_NOT_OWNER)
    account_id = viewer.account_id
    new_email = email.strip() if email is not None else None
    try:
        changed = await _renew(services, viewer=viewer, account_id=account_id, email=new_email)
    except sa.exc.IntegrityError:
        # Another account took the address between our check and the update.
        raise AccountValidationError([("email", "ERR_TAKEN", _TAKEN)]) from None
    if changed:
        # Only after the commit: a reader must not re-cache the old row.
        await forget_accounts(services, account_id)
    services.jobs.notify()


async def _renew(services: Services, *, viewer: Viewer, account_id: int, email: str | None) -> bool:
    """Change the address if asked and enqueue the mail; True if it changed."""
    changed = False
    async with services.db.write() as conn:
        row = (
            await conn.execute(
                sa.select(_a.c.created_by_app_id, _a.c.confirmed_at, _a.c.email).where(
                    _a.c.id == account_id
                )
            )
        ).first()
        if row is None or row.created_by_app_id != viewer.app_id:
            raise Forbidden(_NOT_OWNER)
        if row.confirmed_at is not None:
            raise Forbidden(_NOT_AWAITING)
        if email is not None and email.lower() != row.email:
            await _change_email(conn, account_id, email)
            changed = True
        # After the address checks (a 422 says more), before anything commits.
        await _check_resend_interval(conn, account_id)
        await request_confirmation(conn, services, account_id)
    return changed


async def _check_resend_interval(conn: AsyncConnection, account_id: int) -> None:
    """One new link a minute per account: a resend loop (with a changed
    address each time) must not turn the server into a mail cannon."""
    newest = (
        await conn.execute(
            sa.select(sa.func.max(_c.c.created_at)).where(_c.c.account_id == account_id)
        )
    ).scalar_one_or_none()
    if newest is None:
        return
    now = datetime.now(UTC)
    ready_at = _aware(newest) + RESEND_INTERVAL
    if ready_at > now:
        raise RateLimited(limit=1, reset_at=ready_at.timestamp(), now=now.timestamp())


async def _change_email(conn: AsyncConnection, account_id: int, email: str) -> None:
    problems = Problems()
    check_email(problems, email)
    problems.check()
    key = email.lower()
    taken = await conn.execute(sa.select(_a.c.id).where(_a.c.email == key, _a.c.id != account_id))
    if taken.first() is not None:
        problems.add("email", "ERR_TAKEN", _TAKEN)
        problems.check()
    await conn.execute(_a.update().where(_a.c.id == account_id).values(email=key))
