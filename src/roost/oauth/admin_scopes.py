"""Admin scopes belong to admin accounts only.

Any app may declare ``admin:read``/``admin:write`` at registration (an admin
console is an ordinary client), but a token carries them only when its
account is an admin. Grants the user asks for explicitly (password,
authorization code approval, client credentials) are refused with
``invalid_scope``, as Mastodon refuses the authorization; scopes a token
inherits (sign-up, refresh, a code redeemed after a demotion) lose them
quietly at issue time.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.db import schema

if TYPE_CHECKING:
    from roost.services import Services

ADMIN_SCOPE_PREFIX = "admin:"
ADMIN_SCOPES_REFUSED = "Admin scopes can only be granted to an administrator account."


def has_admin_scopes(scopes: Iterable[str]) -> bool:
    return any(s.startswith(ADMIN_SCOPE_PREFIX) for s in scopes)


def without_admin_scopes(scopes: Iterable[str]) -> list[str]:
    return [s for s in scopes if not s.startswith(ADMIN_SCOPE_PREFIX)]


async def account_is_admin(conn: AsyncConnection, account_id: int | None) -> bool:
    if account_id is None:
        return False
    a = schema.accounts
    found = (await conn.execute(sa.select(a.c.is_admin).where(a.c.id == account_id))).scalar()
    return bool(found)


async def may_hold_scopes(services: Services, *, account_id: int | None, scopes: list[str]) -> bool:
    """Whether a token for ``account_id`` (None: an app token) may carry ``scopes``."""
    if not has_admin_scopes(scopes):
        return True
    async with services.db.read(primary=True) as conn:
        return await account_is_admin(conn, account_id)
