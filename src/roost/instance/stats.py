"""Instance statistics, computed at most once a minute (they are shown on
every client start, and exact counts of big tables are not free)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import msgspec
import sqlalchemy as sa

from roost.db import schema

if TYPE_CHECKING:
    from roost.services import Services

FACTS_KEY = "instance:facts"
FACTS_TTL = 60
ACTIVE_WINDOW = timedelta(days=30)


class InstanceFacts(msgspec.Struct, array_like=True):
    user_count: int
    status_count: int
    active_month: int
    contact_account_id: int | None


async def load_instance_facts(services: Services) -> InstanceFacts:
    """User, status and monthly-active counts and the contact (first admin) account."""
    cached = (await services.cache.get_many([FACTS_KEY])).get(FACTS_KEY)
    if cached is not None:
        return msgspec.msgpack.decode(cached, type=InstanceFacts)
    a = schema.accounts
    since = datetime.now(UTC) - ACTIVE_WINDOW
    # One pass over accounts, none over statuses: like Mastodon, the status
    # count is the sum of the per-account counters.
    # Deleted accounts (tombstones) are no users, and no contact.
    alive = a.c.deleted_at.is_(None)
    totals = sa.select(
        sa.func.count(),
        sa.func.coalesce(sa.func.sum(a.c.statuses_count), 0),
        sa.func.coalesce(sa.func.sum(sa.case((a.c.last_login_at >= since, 1), else_=0)), 0),
    ).where(alive)
    contact = sa.select(a.c.id).where(a.c.is_admin.is_(True), alive).order_by(a.c.id).limit(1)
    async with services.db.read() as conn:
        users, statuses, active = (await conn.execute(totals)).one()
        admin = (await conn.execute(contact)).scalar()
    facts = InstanceFacts(
        user_count=int(users),
        status_count=int(statuses),
        active_month=int(active),
        contact_account_id=None if admin is None else int(admin),
    )
    await services.cache.set_many({FACTS_KEY: msgspec.msgpack.encode(facts)}, ttl=FACTS_TTL)
    return facts
