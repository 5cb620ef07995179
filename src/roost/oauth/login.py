"""Checking a user's login (username or email, and password)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from roost.db import schema
from roost.oauth.ratelimit import (
    check_login_address,
    check_login_failures,
    record_login_failure,
    record_login_success,
)

if TYPE_CHECKING:
    from roost.services import Services

MAX_LOGIN_CHARS = 320
MAX_PASSWORD_CHARS = 1000


def _login_key(login: str) -> str:
    return login.strip().lower()[:MAX_LOGIN_CHARS]


async def authenticate_login(
    services: Services, *, login: str, password: str, ip: str
) -> int | None:
    """The account id for ``login`` (username, or email as Mastodon.py sends it)
    and ``password``, or None when they do not match.

    Rate limited per client address and per account (429, see
    ``roost.oauth.ratelimit``); on success records the login time (and
    rehashes a password hashed at another cost than the configured one)."""
    await check_login_address(services, ip=ip)
    key = _login_key(login)
    a = schema.accounts
    row = None
    if key:
        column = a.c.email if "@" in key else a.c.username_key
        async with services.db.read(primary=True) as conn:
            row = (
                await conn.execute(
                    sa.select(a.c.id, a.c.password_hash, a.c.suspended_at, a.c.disabled).where(
                        column == key
                    )
                )
            ).first()
    account = str(row.id) if row else key
    await check_login_failures(services, ip=ip, account=account)
    # An unknown login spends the same time as a wrong password, so response
    # times do not reveal which accounts exist.
    passwords = services.passwords
    if row is not None:
        stored = str(row.password_hash)
    else:
        stored = await asyncio.to_thread(passwords.dummy_hash)
    password = password[:MAX_PASSWORD_CHARS]
    ok = await asyncio.to_thread(passwords.verify, stored, password)
    if row is None or not ok:
        await record_login_failure(services, ip=ip, account=account)
        return None
    await record_login_success(services, ip=ip, account=account)
    if row.suspended_at is not None or row.disabled:
        # Suspended and disabled accounts cannot sign in (roost.admin.actions).
        return None
    account_id = int(row.id)
    changes: dict[str, Any] = {"last_login_at": datetime.now(UTC)}
    if passwords.needs_rehash(stored):
        changes["password_hash"] = await asyncio.to_thread(passwords.hash, password)
    async with services.db.write() as conn:
        await conn.execute(a.update().where(a.c.id == account_id).values(**changes))
    return account_id
