"""Moderators' actions on accounts, as Mastodon's admin account actions.

* ``suspend``: the account cannot sign in or use its tokens (every cached
  token viewer is dropped and its streams end), and its statuses disappear
  from every timeline, thread, notification and search: rendering drops
  statuses whose author is suspended (``statuses.wire``), so the ids left in
  home timelines cost nothing to hide and come back on ``unsuspend``.
* ``silence`` (Mastodon's "limit"): left out of the public and hashtag
  timelines and of suggestions; followers still see it.
* ``disable``: the login is refused (sign-in and tokens); nothing is hidden.
* ``sensitive``: marked so (shown in the admin view; media is not blurred
  by Roost itself yet).
* ``none``: only resolves the report given with it.

A suspended account can then be deleted (``DELETE /api/v1/admin/accounts/:id``,
``roost.accounts.deletion``); a deleted one cannot be unsuspended.

Every action given with a ``report_id`` resolves that report.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from roost.accounts.moderated import forget_moderated
from roost.accounts.store import forget_accounts
from roost.db import schema
from roost.jobs.queue import enqueue
from roost.jobs.runner import Job, JobHandler
from roost.kernel.errors import Forbidden, NotFound, ValidationFailed

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncConnection

    from roost.services import Services

_a, _r = schema.accounts, schema.reports

ACCOUNT_MODERATED = "account_moderated"

ACTIONS = ("none", "sensitive", "disable", "silence", "suspend")
# What each undo clears.
UNDO: dict[str, dict[str, Any]] = {
    "unsuspend": {"suspended_at": None},
    "unsilence": {"silenced_at": None},
    "enable": {"disabled": False},
    "unsensitive": {"sensitized_at": None},
}


def _changes(action: str, now: datetime) -> dict[str, Any]:
    changes: dict[str, dict[str, Any]] = {
        "none": {},
        "sensitive": {"sensitized_at": now},
        "disable": {"disabled": True},
        "silence": {"silenced_at": now},
        "suspend": {"suspended_at": now},
    }
    return changes[action]


async def _update_account(conn: AsyncConnection, account_id: int, values: dict[str, Any]) -> None:
    found = await conn.execute(sa.select(_a.c.id).where(_a.c.id == account_id))
    if found.first() is None:
        raise NotFound()
    if values:
        await conn.execute(_a.update().where(_a.c.id == account_id).values(**values))


async def _after(services: Services, account_id: int) -> None:
    """After the commit: the account's cached record (rendering reads the
    moderation flags from it), the moderated accounts' set (public
    timelines read it) and its tokens' cached viewers."""
    await forget_accounts(services, account_id)
    await forget_moderated(services)
    await services.tokens.forget_account(account_id)
    services.jobs.notify()


async def _enqueue_forget(services: Services, conn: AsyncConnection, account_id: int) -> None:
    """The same clean-up once more by a worker: ``roost admin`` runs in its
    own process, whose in-process cache is not the server's (embedded
    default); a worker of the server drops the server's copies."""
    await enqueue(conn, services.ids, ACCOUNT_MODERATED, {"account_id": account_id})


async def account_moderated(job: Job) -> None:
    await _after(job.services, int(job.payload["account_id"]))


async def resolve_in(
    conn: AsyncConnection, report_id: int, *, moderator_id: int, now: datetime
) -> None:
    """Mark a report resolved by ``moderator_id`` (in the caller's transaction)."""
    result = await conn.execute(
        _r.update()
        .where(_r.c.id == report_id)
        .values(action_taken_at=now, action_taken_by_account_id=moderator_id, updated_at=now)
    )
    if result.rowcount == 0:
        raise NotFound("Report")


async def take_action(
    services: Services,
    *,
    moderator_id: int,
    account_id: int,
    action: str,
    report_id: int | None = None,
) -> None:
    """Apply ``action`` to the account (and resolve ``report_id``)."""
    if action not in ACTIONS:
        raise ValidationFailed(
            f"type must be one of {', '.join(ACTIONS)}",
            details={"type": [{"error": "ERR_INCLUSION", "description": "is not an action"}]},
        )
    if action != "none" and account_id == moderator_id:
        raise ValidationFailed("a moderator cannot act on their own account")
    now = datetime.now(UTC)
    async with services.db.write() as conn:
        await _update_account(conn, account_id, _changes(action, now))
        await _enqueue_forget(services, conn, account_id)
        if report_id is not None:
            await resolve_in(conn, report_id, moderator_id=moderator_id, now=now)
    await _after(services, account_id)


async def undo_action(services: Services, *, account_id: int, undo: str) -> None:
    """``unsuspend``, ``unsilence``, ``enable`` or ``unsensitive``; 403 on a
    deleted account (its tombstone stays suspended: nothing is left to show)."""
    async with services.db.write() as conn:
        deleted = await conn.execute(sa.select(_a.c.deleted_at).where(_a.c.id == account_id))
        if (deleted.scalar()) is not None:
            raise Forbidden()
        await _update_account(conn, account_id, UNDO[undo])
        await _enqueue_forget(services, conn, account_id)
    await _after(services, account_id)


JOB_HANDLERS: dict[str, JobHandler] = {ACCOUNT_MODERATED: account_moderated}
