"""Pushing notifications: who gets a push, and the job that sends it.

``enqueue_pushes`` runs inside the transaction that creates a notification:
it picks the recipient's subscriptions whose alerts include the type and
whose policy admits the sender, and enqueues one ``push_delivery`` job per
subscription in the same transaction (the outbox: a notification never
exists without its pushes, nor a push without its notification).

The job encrypts the push for the subscription and POSTs it. The push
service's answer decides what follows:

- 2xx: delivered (the subscription's failure streak ends);
- 404 or 410: the subscription is gone for good and is deleted;
- 408, 429, 5xx or no answer: a failure is counted on the subscription and
  the job raises, so the runner tries again with backoff (2, 4, 8 ... s, or
  the push service's ``Retry-After`` when longer, at most an hour), up to
  ``ROOST_PUSH_MAX_ATTEMPTS`` attempts; then the push is dropped;
- any other 4xx: counted as a failure and dropped (sending it again would
  be refused again).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.db import schema
from roost.infra.webpush import PushTarget, PushUnreachable, b64decode_any, build_push_request
from roost.jobs.queue import enqueue
from roost.jobs.runner import Job, JobHandler, RetryLater
from roost.push import store
from roost.push.keys import vapid_keys
from roost.push.payload import Notice, encode_payload, load_content
from roost.push.sealing import unseal
from roost.push.store import SubscriptionRecord

if TYPE_CHECKING:
    from roost.services import Services

log = logging.getLogger("roost.push")

PUSH_JOB = "push_delivery"
_f = schema.follows


class PushDeliveryFailed(RetryLater):
    """The push service did not take the push; the job runner retries, not
    before the push service's ``Retry-After`` if it sent one."""


def retry_after(value: str | None, now: datetime) -> timedelta:
    """``Retry-After`` as a wait: seconds or an HTTP date; zero when absent
    or unreadable."""
    if not value:
        return timedelta(0)
    text = value.strip()
    if text.isascii() and text.isdigit():
        return timedelta(seconds=min(int(text), 86_400))
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return timedelta(0)
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(timedelta(0), when - now)


async def _follows(conn: AsyncConnection, follower: int, followed: int) -> bool:
    row = await conn.scalar(
        sa.select(sa.literal(1)).where(
            _f.c.account_id == follower, _f.c.target_account_id == followed
        )
    )
    return row is not None


async def admitted(conn: AsyncConnection, subscription: SubscriptionRecord, notice: Notice) -> bool:
    """Whether the subscription wants this notification (alerts and policy)."""
    if notice.type not in subscription.alerts:
        return False
    policy = subscription.policy
    if policy == "all":
        return True
    if policy == "followed":  # from accounts the subscriber follows
        return await _follows(conn, subscription.account_id, notice.from_account_id)
    if policy == "follower":  # from accounts that follow the subscriber
        return await _follows(conn, notice.from_account_id, subscription.account_id)
    return False  # none


async def enqueue_pushes(
    conn: AsyncConnection, services: Services, notices: Sequence[tuple[int, Notice]]
) -> int:
    """In the caller's transaction: one delivery job per subscription that
    admits a notice, for (recipient account id, notice) pairs; returns how
    many. One query finds the recipients' subscriptions, however many
    notices (a post with many ``notify`` subscribers)."""
    if not notices:
        return 0
    by_account: dict[int, list[SubscriptionRecord]] = {}
    for subscription in await store.live_subscriptions_of_any(conn, {a for a, _ in notices}):
        by_account.setdefault(subscription.account_id, []).append(subscription)
    count = 0
    for account_id, notice in notices:
        for subscription in by_account.get(account_id, ()):
            if await admitted(conn, subscription, notice):
                payload = {"subscription_id": subscription.id, **notice.to_payload()}
                await enqueue(conn, services.ids, PUSH_JOB, payload)
                count += 1
    return count


def _now() -> datetime:
    return datetime.now(UTC)


async def deliver_push(job: Job) -> None:
    services = job.services
    settings = services.settings
    subscription_id = int(job.payload["subscription_id"])
    notice = Notice.from_payload(job.payload)
    async with services.db.read(primary=True) as conn:
        subscription = await store.live_subscription(conn, subscription_id)
        content = None
        if subscription is not None:
            content = await load_content(conn, settings, notice, subscription.account_id)
    if subscription is None:
        # Unsubscribed, or its token was revoked: a dead row goes too.
        async with services.db.write() as conn:
            await store.delete_subscription(conn, subscription_id)
        return
    if content is None:  # what the notification was about is gone
        return
    keys = await vapid_keys(services)
    body = encode_payload(notice, content, unseal(keys, subscription.access_token_sealed))
    target = PushTarget(
        endpoint=subscription.endpoint,
        p256dh=b64decode_any(subscription.key_p256dh),
        auth=b64decode_any(subscription.key_auth),
        standard=subscription.standard,
    )
    request = build_push_request(
        target, body, keys, subject=settings.push_subject, ttl=settings.push_ttl_seconds
    )
    try:
        status, wait = await services.push_sender.send(request)
    except PushUnreachable as exc:
        await _failed(job, subscription, f"unreachable: {exc}", retry=True)
        return
    if 200 <= status < 300:
        async with services.db.write() as conn:
            await store.record_delivery(conn, subscription.id, _now())
    elif status in (404, 410):
        log.info("push subscription %s is gone (HTTP %s): deleted", subscription.id, status)
        async with services.db.write() as conn:
            await store.delete_subscription(conn, subscription.id)
    else:
        retry = status in (408, 429) or status >= 500
        after = retry_after(wait, _now())
        await _failed(job, subscription, f"HTTP {status}", retry=retry, after=after)


async def _failed(
    job: Job,
    subscription: SubscriptionRecord,
    error: str,
    *,
    retry: bool,
    after: timedelta = timedelta(0),
) -> None:
    services = job.services
    async with services.db.write() as conn:
        await store.record_failure(conn, subscription.id, _now(), error)
    attempt = job.attempts + 1
    if retry and attempt < services.settings.push_max_attempts:
        raise PushDeliveryFailed(f"push to subscription {subscription.id}: {error}", after=after)
    log.warning(
        "push to subscription %s dropped after %s attempt(s): %s", subscription.id, attempt, error
    )


JOB_HANDLERS: dict[str, JobHandler] = {PUSH_JOB: deliver_push}
