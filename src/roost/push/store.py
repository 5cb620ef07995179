"""SQL of the push subscriptions."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.db import schema

_s = schema.push_subscriptions
_t = schema.oauth_tokens


@dataclasses.dataclass(frozen=True, slots=True)
class SubscriptionRecord:
    id: int
    account_id: int
    token_id: int
    endpoint: str
    key_p256dh: str
    key_auth: str
    standard: bool
    alerts: frozenset[str]
    policy: str
    access_token_sealed: str | None
    failures: int
    failures_total: int
    deliveries_total: int
    last_error: str | None
    last_failure_at: datetime | None
    last_delivery_at: datetime | None


def _record(row: Any) -> SubscriptionRecord:
    values = dict(row._mapping)
    values.pop("created_at", None)
    values.pop("updated_at", None)
    values["alerts"] = frozenset(values["alerts"] or ())
    return SubscriptionRecord(**values)


def _live(query: sa.Select[Any]) -> sa.Select[Any]:
    """Only subscriptions whose token is still valid (a revoked token's
    subscription is dead: nobody can read what it would receive)."""
    return query.join(_t, _t.c.id == _s.c.token_id).where(_t.c.revoked_at.is_(None))


async def subscription_of_token(conn: AsyncConnection, token_id: int) -> SubscriptionRecord | None:
    row = (await conn.execute(sa.select(_s).where(_s.c.token_id == token_id))).first()
    return None if row is None else _record(row)


async def live_subscription(
    conn: AsyncConnection, subscription_id: int
) -> SubscriptionRecord | None:
    row = (await conn.execute(_live(sa.select(_s).where(_s.c.id == subscription_id)))).first()
    return None if row is None else _record(row)


async def live_subscriptions_of_any(
    conn: AsyncConnection, account_ids: set[int]
) -> list[SubscriptionRecord]:
    """The live subscriptions of these accounts (asked for in chunks)."""
    found: list[SubscriptionRecord] = []
    ordered = sorted(account_ids)
    for start in range(0, len(ordered), 1000):
        chunk = ordered[start : start + 1000]
        query = _live(sa.select(_s).where(_s.c.account_id.in_(chunk))).order_by(_s.c.id)
        found.extend(_record(r) for r in (await conn.execute(query)).all())
    return found


async def insert_subscription(conn: AsyncConnection, **values: Any) -> None:
    await conn.execute(_s.insert().values(**values))


async def update_subscription(conn: AsyncConnection, subscription_id: int, **values: Any) -> None:
    await conn.execute(_s.update().where(_s.c.id == subscription_id).values(**values))


async def delete_subscription_of_token(conn: AsyncConnection, token_id: int) -> None:
    await conn.execute(_s.delete().where(_s.c.token_id == token_id))


async def delete_subscription(conn: AsyncConnection, subscription_id: int) -> None:
    await conn.execute(_s.delete().where(_s.c.id == subscription_id))


async def record_delivery(conn: AsyncConnection, subscription_id: int, at: datetime) -> None:
    await conn.execute(
        _s.update()
        .where(_s.c.id == subscription_id)
        .values(failures=0, deliveries_total=_s.c.deliveries_total + 1, last_delivery_at=at)
    )


async def record_failure(
    conn: AsyncConnection, subscription_id: int, at: datetime, error: str
) -> None:
    await conn.execute(
        _s.update()
        .where(_s.c.id == subscription_id)
        .values(
            failures=_s.c.failures + 1,
            failures_total=_s.c.failures_total + 1,
            last_error=error[:500],
            last_failure_at=at,
        )
    )


async def failing_subscriptions(conn: AsyncConnection, limit: int) -> Sequence[Any]:
    """For operators: the subscriptions with the most recent failures first."""
    return (
        await conn.execute(
            sa.select(
                _s.c.id,
                _s.c.account_id,
                _s.c.endpoint,
                _s.c.failures,
                _s.c.failures_total,
                _s.c.deliveries_total,
                _s.c.last_error,
                _s.c.last_failure_at,
            )
            .where(_s.c.failures_total > 0)
            .order_by(_s.c.failures.desc(), _s.c.failures_total.desc(), _s.c.id)
            .limit(limit)
        )
    ).all()


async def totals(conn: AsyncConnection) -> tuple[int, int, int, int]:
    """Subscriptions, those failing now, failed attempts, deliveries."""
    row = (
        await conn.execute(
            sa.select(
                sa.func.count(),
                sa.func.coalesce(sa.func.sum(sa.case((_s.c.failures > 0, 1), else_=0)), 0),
                sa.func.coalesce(sa.func.sum(_s.c.failures_total), 0),
                sa.func.coalesce(sa.func.sum(_s.c.deliveries_total), 0),
            )
        )
    ).one()
    return int(row[0]), int(row[1]), int(row[2]), int(row[3])
