"""Sign-ups that wait for an admin (registrations mode "approved"):
approve one, or reject it, which deletes the account as Mastodon does."""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.accounts.lookup import forget_username
from roost.accounts.store import forget_accounts
from roost.db import schema
from roost.kernel.errors import Forbidden, NotFound

if TYPE_CHECKING:
    from roost.services import Services

_a = schema.accounts

# Everything a pending account can own: it can sign up and hold tokens, but
# every endpoint that writes anything else answers 403 until it is approved.
_OWNED = (
    (schema.oauth_tokens, schema.oauth_tokens.c.account_id),
    (schema.oauth_codes, schema.oauth_codes.c.account_id),
    (schema.email_confirmations, schema.email_confirmations.c.account_id),
)


async def _pending(conn: AsyncConnection, account_id: int) -> str:
    """The username of a pending account; 404 when there is no such account,
    403 when it is not pending."""
    row = (
        await conn.execute(sa.select(_a.c.approved, _a.c.username).where(_a.c.id == account_id))
    ).first()
    if row is None:
        raise NotFound("Record")
    if row.approved:
        raise Forbidden()
    return str(row.username)


async def approve_account(services: Services, *, account_id: int) -> None:
    """Let a pending account in. Its tokens work from the next request on
    (tokens of pending accounts are never cached, see roost.oauth.tokens)."""
    async with services.db.write() as conn:
        await _pending(conn, account_id)
        await conn.execute(_a.update().where(_a.c.id == account_id).values(approved=True))
    await forget_accounts(services, account_id)


async def reject_account(services: Services, *, account_id: int) -> None:
    """Delete a pending account with its tokens; its username and e-mail
    address become free again."""
    async with services.db.write() as conn:
        username = await _pending(conn, account_id)
        for table, owner in _OWNED:
            await conn.execute(table.delete().where(owner == account_id))
        await conn.execute(_a.delete().where(_a.c.id == account_id))
    await forget_accounts(services, account_id)
    # The name may be taken again at once: drop its cached name -> id entry.
    await forget_username(services, username)
