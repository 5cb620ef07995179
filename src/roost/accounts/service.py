"""Account use cases: sign up, update a profile."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa

from roost.accounts.passwords import hash_password
from roost.api.errors import ApiError
from roost.db import schema

if TYPE_CHECKING:
    from roost.services import Services

USERNAME_RE = re.compile(r"^[A-Za-z0-9_]{1,30}$")
EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,255}\.[^@\s]{1,63}$")
MIN_PASSWORD = 8
MAX_PASSWORD = 200


def validate_signup(
    *, username: str, email: str, password: str, date_of_birth: date | None
) -> None:
    if not USERNAME_RE.fullmatch(username):
        raise ApiError(
            422, "Validation failed: Username must be 1-30 letters, digits or underscores"
        )
    if not EMAIL_RE.fullmatch(email):
        raise ApiError(422, "Validation failed: Email is invalid")
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise ApiError(
            422, f"Validation failed: Password must be {MIN_PASSWORD}-{MAX_PASSWORD} characters"
        )
    if date_of_birth is not None and date_of_birth > datetime.now(UTC).date():
        raise ApiError(422, "Validation failed: Date of birth is in the future")


async def create_account(
    services: Services,
    *,
    username: str,
    email: str,
    password: str,
    display_name: str = "",
    date_of_birth: date | None = None,
    is_admin: bool = False,
) -> int:
    """Create an account; 422 when the username or email is taken or invalid."""
    validate_signup(username=username, email=email, password=password, date_of_birth=date_of_birth)
    password_hash = hash_password(password)  # slow on purpose: outside the write lock
    account_id = services.ids.next_id()
    try:
        await _insert_account(
            services,
            account_id,
            username,
            email,
            password_hash,
            display_name,
            date_of_birth,
            is_admin,
        )
    except sa.exc.IntegrityError:
        # A concurrent sign-up took the name between our check and the insert.
        raise ApiError(422, "Validation failed: Username or email has already been taken") from None
    return account_id


async def _insert_account(
    services: Services,
    account_id: int,
    username: str,
    email: str,
    password_hash: str,
    display_name: str,
    date_of_birth: date | None,
    is_admin: bool,
) -> None:
    a = schema.accounts
    async with services.db.write() as conn:
        taken = (
            await conn.execute(
                sa.select(a.c.username_key, a.c.email).where(
                    sa.or_(a.c.username_key == username.lower(), a.c.email == email.lower())
                )
            )
        ).first()
        if taken is not None:
            what = "Username" if taken.username_key == username.lower() else "Email"
            raise ApiError(422, f"Validation failed: {what} has already been taken")
        await conn.execute(
            a.insert().values(
                id=account_id,
                username=username,
                username_key=username.lower(),
                display_name=display_name[:100],
                email=email.lower(),
                date_of_birth=date_of_birth,
                password_hash=password_hash,
                created_at=datetime.now(UTC),
                fields=[],
                is_admin=is_admin,
            )
        )
