"""Push subscriptions: create, read, change and drop the one of a token."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.db import schema
from roost.kernel.auth import Viewer
from roost.kernel.errors import NotFound
from roost.push import store
from roost.push.entities import DataInput, SubscribeForm
from roost.push.keys import vapid_keys
from roost.push.sealing import seal
from roost.push.store import SubscriptionRecord
from roost.push.validation import check_endpoint, check_keys, check_policy, merge_alerts

if TYPE_CHECKING:
    from roost.services import Services


def _ids(viewer: Viewer) -> tuple[int, int]:
    assert viewer.account_id is not None  # routes declare auth="user"
    return viewer.account_id, viewer.token_id


async def _is_admin(services: Services, account_id: int) -> bool:
    async with services.db.read(primary=True) as conn:
        value = await conn.scalar(
            sa.select(schema.accounts.c.is_admin).where(schema.accounts.c.id == account_id)
        )
    return bool(value)


def _policy(data: DataInput | None, top_level: str | None) -> str | None:
    # data[policy] as documented for POST; a bare policy as Mastodon.py sends.
    given = data.policy if data is not None and data.policy is not None else top_level
    return check_policy(given)


async def subscribe(
    services: Services, viewer: Viewer, *, access_token: str, form: SubscribeForm
) -> SubscriptionRecord:
    """A new subscription for the token, replacing the one it had."""
    account_id, token_id = _ids(viewer)
    given = form.subscription
    endpoint = check_endpoint(
        given.endpoint if given else None, allow_loopback=services.settings.push_allow_loopback
    )
    keys_in = given.keys if given else None
    keys = check_keys(keys_in.p256dh if keys_in else None, keys_in.auth if keys_in else None)
    policy = _policy(form.data, form.policy) or "all"
    alerts = merge_alerts(
        frozenset(),
        form.data.alerts if form.data else None,
        is_admin=await _is_admin(services, account_id),
    )
    vapid = await vapid_keys(services)
    now = datetime.now(UTC)
    subscription_id = services.ids.next_id()
    async with services.db.write() as conn:
        await store.delete_subscription_of_token(conn, token_id)
        await store.insert_subscription(
            conn,
            id=subscription_id,
            account_id=account_id,
            token_id=token_id,
            endpoint=endpoint,
            key_p256dh=keys.p256dh,
            key_auth=keys.auth,
            standard=bool(given.standard) if given else False,
            alerts=sorted(alerts),
            policy=policy,
            access_token_sealed=seal(vapid, access_token),
            created_at=now,
            updated_at=now,
        )
        record = await store.subscription_of_token(conn, token_id)
    assert record is not None
    return record


async def current_subscription(services: Services, viewer: Viewer) -> SubscriptionRecord:
    _, token_id = _ids(viewer)
    async with services.db.read(primary=True) as conn:
        record = await store.subscription_of_token(conn, token_id)
    if record is None:
        raise NotFound()
    return record


async def change_subscription(
    services: Services, viewer: Viewer, *, data: DataInput | None, policy: str | None
) -> SubscriptionRecord:
    """Alerts and policy only: a new endpoint or keys need a new subscription."""
    account_id, token_id = _ids(viewer)
    new_policy = _policy(data, policy)
    is_admin = await _is_admin(services, account_id)
    async with services.db.write() as conn:
        record = await store.subscription_of_token(conn, token_id)
        if record is None:
            raise NotFound()
        alerts = merge_alerts(record.alerts, data.alerts if data else None, is_admin=is_admin)
        await store.update_subscription(
            conn,
            record.id,
            alerts=sorted(alerts),
            policy=new_policy or record.policy,
            updated_at=datetime.now(UTC),
        )
        updated = await store.subscription_of_token(conn, token_id)
    assert updated is not None
    return updated


async def unsubscribe(services: Services, viewer: Viewer) -> None:
    """Drop the token's subscription; fine when it has none."""
    _, token_id = _ids(viewer)
    async with services.db.write() as conn:
        await store.delete_subscription_of_token(conn, token_id)


async def move_to_refreshed_token(
    conn: AsyncConnection,
    services: Services,
    *,
    old_token_id: int,
    new_token_id: int,
    access_token: str,
) -> None:
    """In the refresh grant's transaction: the subscription of the token
    being replaced follows the session to its new token (and carries the
    new token in its pushes)."""
    vapid = await vapid_keys(services)
    await conn.execute(
        schema.push_subscriptions.update()
        .where(schema.push_subscriptions.c.token_id == old_token_id)
        .values(
            token_id=new_token_id,
            access_token_sealed=seal(vapid, access_token),
            updated_at=datetime.now(UTC),
        )
    )
