"""What other software asks a server to recognise it: WebFinger (an account
by ``acct:user@domain``), host-meta, NodeInfo 2.0 usage figures, and the
weekly activity of ``GET /api/v1/instance/activity``.

Roost does not federate: these answer with what exists locally, so instance
pickers and account lookups in apps work; nothing is fetched from elsewhere.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import msgspec
import sqlalchemy as sa

from roost.accounts.records import AccountRecord, is_listed
from roost.accounts.store import load_account
from roost.db import schema
from roost.ids import id_from_datetime
from roost.kernel.errors import NotFound

if TYPE_CHECKING:
    from roost.services import Services

ACTIVITY_KEY = "instance:activity"
USAGE_KEY = "instance:usage"
# Weekly figures change slowly; computed at most this often (seconds).
FIGURES_TTL = 300
ACTIVITY_WEEKS = 12


def _acct_username(services: Services, resource: str) -> str | None:
    """The username in ``acct:user@domain`` (or ``user@domain``, or the
    account's profile URL), when ``domain`` is this server's."""
    text = resource.strip()
    public_url = services.settings.public_url.rstrip("/")
    if text.startswith(f"{public_url}/@"):
        return text.removeprefix(f"{public_url}/@") or None
    if text.startswith(f"{public_url}/users/"):
        return text.removeprefix(f"{public_url}/users/") or None
    text = text.removeprefix("acct:").lstrip("@")
    user, _, domain = text.partition("@")
    if not user or domain.lower() not in _own_domains(services):
        return None
    return user


def _own_domains(services: Services) -> set[str]:
    domain = services.settings.domain.lower()
    return {domain, domain.rsplit(":", 1)[0]}


async def webfinger_account(services: Services, resource: str) -> AccountRecord:
    """The account a WebFinger ``resource`` names; 404 when it is not one of
    this server's listed accounts."""
    username = _acct_username(services, resource)
    if username is None:
        raise NotFound()
    a = schema.accounts
    async with services.db.read() as conn:
        found = (
            await conn.execute(sa.select(a.c.id).where(a.c.username_key == username.lower()))
        ).scalar()
    record = await load_account(services, int(found)) if found is not None else None
    required = services.settings.email_confirmation_required
    if record is None or record.suspended or not is_listed(record, confirmation_required=required):
        raise NotFound()
    return record


class Usage(msgspec.Struct, array_like=True):
    users_total: int
    active_month: int
    active_halfyear: int
    local_posts: int


async def load_usage(services: Services) -> Usage:
    """NodeInfo usage: accounts, accounts signed in within 30 and 180 days,
    local statuses (the sum of the per-account counters)."""
    cached = (await services.cache.get_many([USAGE_KEY])).get(USAGE_KEY)
    if cached is not None:
        return msgspec.msgpack.decode(cached, type=Usage)
    a = schema.accounts
    now = datetime.now(UTC)
    month, halfyear = now - timedelta(days=30), now - timedelta(days=180)

    def active_since(since: datetime) -> sa.ColumnElement[int]:
        return sa.func.coalesce(sa.func.sum(sa.case((a.c.last_login_at >= since, 1), else_=0)), 0)

    query = sa.select(
        sa.func.count(),
        active_since(month),
        active_since(halfyear),
        sa.func.coalesce(sa.func.sum(a.c.statuses_count), 0),
    ).where(a.c.suspended_at.is_(None))
    async with services.db.read() as conn:
        total, active_month, active_halfyear, posts = (await conn.execute(query)).one()
    usage = Usage(int(total), int(active_month), int(active_halfyear), int(posts))
    await services.cache.set_many({USAGE_KEY: msgspec.msgpack.encode(usage)}, ttl=FIGURES_TTL)
    return usage


@dataclasses.dataclass(frozen=True, slots=True)
class Week:
    start: datetime
    statuses: int
    logins: int
    registrations: int


class _Packed(msgspec.Struct, array_like=True):
    weeks: list[tuple[int, int, int, int]]


async def weekly_activity(services: Services) -> list[Week]:
    """The last ``ACTIVITY_WEEKS`` weeks, this one first: statuses posted
    (counted by id range, so the primary-key index answers), accounts that
    signed in last in that week (Roost keeps only the latest login, so an
    account counts in one week only) and sign-ups."""
    cached = (await services.cache.get_many([ACTIVITY_KEY])).get(ACTIVITY_KEY)
    if cached is not None:
        return [
            Week(datetime.fromtimestamp(w[0], UTC), w[1], w[2], w[3])
            for w in msgspec.msgpack.decode(cached, type=_Packed).weeks
        ]
    now = datetime.now(UTC)
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    this_week = today - timedelta(days=today.weekday())
    starts = [this_week - timedelta(weeks=i) for i in range(ACTIVITY_WEEKS)]
    s, a = schema.statuses, schema.accounts
    weeks: list[Week] = []
    async with services.db.read() as conn:
        for i, start in enumerate(starts):
            end = now if i == 0 else starts[i - 1]
            statuses = (
                await conn.execute(
                    sa.select(sa.func.count()).where(
                        s.c.id >= id_from_datetime(start),
                        s.c.id < id_from_datetime(end) if i else sa.true(),
                    )
                )
            ).scalar_one()
            logins, registrations = (
                await conn.execute(
                    sa.select(
                        sa.func.coalesce(
                            sa.func.sum(
                                sa.case(
                                    (
                                        sa.and_(
                                            a.c.last_login_at >= start, a.c.last_login_at < end
                                        ),
                                        1,
                                    ),
                                    else_=0,
                                )
                            ),
                            0,
                        ),
                        sa.func.coalesce(
                            sa.func.sum(
                                sa.case(
                                    (sa.and_(a.c.created_at >= start, a.c.created_at < end), 1),
                                    else_=0,
                                )
                            ),
                            0,
                        ),
                    )
                )
            ).one()
            weeks.append(Week(start, int(statuses), int(logins), int(registrations)))
    packed = _Packed(
        [(int(w.start.timestamp()), w.statuses, w.logins, w.registrations) for w in weeks]
    )
    await services.cache.set_many({ACTIVITY_KEY: msgspec.msgpack.encode(packed)}, ttl=FIGURES_TTL)
    return weeks
