"""Deleting an account, as Mastodon does: by its owner (who confirms with
the password) or by an administrator once the account is suspended.

What happens at once, in one transaction: the row is marked deleted
(``deleted_at``) and suspended (so everything that hides a suspended
account hides it: profile, lookups, search, timelines, threads,
notifications), every token is revoked, and what would let the account act
or be reached goes (authorization codes, confirmation links, Web Push
subscriptions, scheduled statuses). A ``purge_account`` job is committed
with it (``roost.accounts.purge``), which removes the account's data in
chunks. After the commit the caches are dropped: the cached account record,
the moderated accounts' set, and every token's cached viewer in this
process, in the shared cache and (through the ``tokens`` bus channel) in
every other process's token memo; open streams of its tokens end.

The row stays as a tombstone: its username and e-mail address are never
taken again, and it answers like a suspended account.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from roost.accounts.moderated import forget_moderated
from roost.accounts.store import forget_accounts
from roost.db import schema
from roost.jobs.queue import enqueue
from roost.kernel.errors import Forbidden, NotFound, ValidationFailed
from roost.oauth.login import MAX_PASSWORD_CHARS
from roost.oauth.ratelimit import (
    check_login_address,
    check_login_failures,
    record_login_failure,
    record_login_success,
)

if TYPE_CHECKING:
    from roost.services import Services

PURGE_ACCOUNT = "purge_account"

_a, _t = schema.accounts, schema.oauth_tokens

# Removed in the deleting transaction itself: what would let the account
# act (a code to trade for a token, a confirmation link, a status due
# later) or be reached (Web Push).
_AT_ONCE = (
    (schema.oauth_codes, schema.oauth_codes.c.account_id),
    (schema.email_confirmations, schema.email_confirmations.c.account_id),
    (schema.push_subscriptions, schema.push_subscriptions.c.account_id),
    (schema.scheduled_statuses, schema.scheduled_statuses.c.account_id),
)


def _any_account(row: Any) -> None:
    if row.deleted_at is not None:
        raise Forbidden()


def _suspended_account(row: Any) -> None:
    """Mastodon's rule for the admin API: only a suspended account whose
    data is still there."""
    if row.suspended_at is None or row.deleted_at is not None:
        raise Forbidden()


async def _delete(services: Services, account_id: int, check: Callable[[Any], None]) -> None:
    now = datetime.now(UTC)
    async with services.db.write() as conn:
        query = sa.select(_a.c.id, _a.c.suspended_at, _a.c.deleted_at).where(_a.c.id == account_id)
        if not services.db.is_sqlite:
            query = query.with_for_update()  # two deletions of one account: one wins
        row = (await conn.execute(query)).first()
        if row is None:
            raise NotFound("Record")
        check(row)
        # A deleted account holds no role (administrators hear of nothing
        # more, and it is no instance contact).
        values: dict[str, Any] = {"deleted_at": now, "is_admin": False}
        if row.suspended_at is None:
            values["suspended_at"] = now
        await conn.execute(_a.update().where(_a.c.id == account_id).values(**values))
        await conn.execute(
            _t.update()
            .where(_t.c.account_id == account_id, _t.c.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        for table, owner in _AT_ONCE:
            await conn.execute(table.delete().where(owner == account_id))
        await enqueue(conn, services.ids, PURGE_ACCOUNT, {"account_id": account_id})
    await forget_deleted(services, account_id)


async def forget_deleted(services: Services, account_id: int) -> None:
    """After the commit (and again from the job, which also repairs a reader
    that wrote back what it read just before the commit): the account's
    cached record, the moderated accounts' set, its tokens' cached viewers
    everywhere and its open streams."""
    await forget_accounts(services, account_id)
    await forget_moderated(services)
    await services.tokens.forget_account(account_id)
    services.jobs.notify()


async def delete_suspended_account(services: Services, *, account_id: int) -> None:
    """The admin API's deletion: 404 without such an account, 403 unless it
    is suspended and not deleted yet."""
    await _delete(services, account_id, _suspended_account)


async def delete_own_account(
    services: Services, *, account_id: int, password: str, ip: str
) -> None:
    """The owner's deletion, confirmed with the account's password (checked
    under the sign-in's rate limits: a stolen token cannot guess it faster
    than a sign-in form could)."""
    if not password:
        raise ValidationFailed(
            "password can't be blank",
            details={"password": [{"error": "ERR_BLANK", "description": "can't be blank"}]},
        )
    await check_login_address(services, ip=ip)
    account = str(account_id)
    await check_login_failures(services, ip=ip, account=account)
    async with services.db.read(primary=True) as conn:
        stored = (
            await conn.execute(sa.select(_a.c.password_hash).where(_a.c.id == account_id))
        ).scalar()
    if stored is None:
        raise NotFound("Record")
    right = await asyncio.to_thread(
        services.passwords.verify, str(stored), password[:MAX_PASSWORD_CHARS]
    )
    if not right:
        await record_login_failure(services, ip=ip, account=account)
        raise Forbidden("The password is not correct")
    await record_login_success(services, ip=ip, account=account)
    await _delete(services, account_id, _any_account)
