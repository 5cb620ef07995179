"""Follow requests of locked accounts: list, authorize, reject, and accept
them all when the account unlocks.

A request lives in ``follow_requests`` until it is answered; only
authorizing it makes the follow (``edges.add_follow``: counters, the
timeline job, followers-only visibility), so nothing a follow grants
leaks before. Locking an account keeps its existing followers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa

from roost.db import schema
from roost.jobs.queue import enqueue
from roost.jobs.runner import Job, JobHandler
from roost.kernel.errors import NotFound
from roost.kernel.paging import Page
from roost.notifications.jobs import create_event_notification
from roost.notifications.outbox import FOLLOW_REQUEST
from roost.relationships.edges import (
    FOLLOW_REQUEST_CHANGED,
    REQUESTED,
    Outcome,
    add_follow,
    after_commit,
    finish,
    lock_accounts,
    lock_pair,
    remove_request,
    take_request,
)
from roost.relationships.entities import Relationship
from roost.relationships.lists import AccountPage, account_page
from roost.relationships.store import forget_relationships

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncConnection

    from roost.services import Services

_r = schema.follow_requests

ACCEPT_FOLLOW_REQUESTS = "accept_follow_requests"


async def list_follow_requests(services: Services, *, account_id: int, page: Page) -> AccountPage:
    """The accounts waiting for ``account_id`` to answer their follow
    request, newest request first (paged by the request's id)."""
    return await account_page(
        services, _r, key="target_account_id", owner_id=account_id, other="account_id", page=page
    )


async def count_follow_requests(services: Services, *, account_id: int) -> int:
    """How many follow requests await ``account_id``'s answer."""
    query = sa.select(sa.func.count()).select_from(_r).where(_r.c.target_account_id == account_id)
    # The primary: a client reads the count right after answering a request.
    async with services.db.read(primary=True) as conn:
        return int((await conn.execute(query)).scalar_one())


async def authorize_follow_request(
    services: Services, *, account_id: int, requester_id: int
) -> Relationship:
    """Let ``requester_id`` follow ``account_id``: the pending request becomes
    a follow with the request's options. 404 when there is no such request."""
    if requester_id == account_id:
        raise NotFound()
    outcome = Outcome()
    async with services.db.write() as conn:
        await lock_pair(services, conn, account_id, requester_id)
        options = await take_request(conn, requester_id, account_id)
        if options is None:
            raise NotFound()
        outcome.changed = True
        # No block check: a block removes the requests both ways, and none
        # can be made across one; the lock keeps a block from slipping in.
        await add_follow(services, conn, requester_id, account_id, options, outcome)
    return await finish(services, account_id, requester_id, outcome)


async def reject_follow_request(
    services: Services, *, account_id: int, requester_id: int
) -> Relationship:
    """Refuse ``requester_id``'s pending request to follow ``account_id``
    (the requester may ask again). 404 when there is no such request."""
    if requester_id == account_id:
        raise NotFound()
    outcome = Outcome()
    async with services.db.write() as conn:
        await lock_pair(services, conn, account_id, requester_id)
        if not await remove_request(services, conn, requester_id, account_id, outcome):
            raise NotFound()
    return await finish(services, account_id, requester_id, outcome)


async def queue_acceptance_on_unlock(
    services: Services, conn: AsyncConnection, account_id: int
) -> bool:
    """In the transaction that unlocks ``account_id``: enqueue the job that
    accepts its pending follow requests, if it has any. True when a job was
    enqueued (the caller wakes the workers after its commit).

    The unlock's row lock orders it with every follow of the account (those
    lock the row too): a request committed before it is seen here, a follow
    after it finds the account unlocked and is immediate."""
    pending = (
        await conn.execute(sa.select(_r.c.id).where(_r.c.target_account_id == account_id).limit(1))
    ).first()
    if pending is None:
        return False
    await enqueue(conn, services.ids, ACCEPT_FOLLOW_REQUESTS, {"account_id": account_id})
    return True


async def _accept_batch(services: Services, account_id: int, limit: int) -> int | None:
    """Authorize up to ``limit`` of the oldest pending requests of an unlocked
    account in one transaction; how many were pending in the batch, or None
    when the account is gone or locked again (the rest then stay pending)."""
    outcome = Outcome()
    async with services.db.write() as conn:
        rows = (
            await conn.execute(
                sa.select(_r.c.account_id)
                .where(_r.c.target_account_id == account_id)
                .order_by(_r.c.id)
                .limit(limit)
            )
        ).all()
        requesters = [int(r[0]) for r in rows]
        locked = await lock_accounts(services, conn, [account_id, *requesters])
        if locked.get(account_id, True):
            return None
        for requester in requesters:
            if requester not in locked:
                continue  # deleted meanwhile: its purge takes the request
            # Taken again under the lock: an unfollow or block may have
            # removed it since the select.
            options = await take_request(conn, requester, account_id)
            if options is not None:
                outcome.changed = True
                await add_follow(services, conn, requester, account_id, options, outcome)
    await after_commit(services, [(r, account_id) for r in requesters], outcome)
    return len(requesters)


async def accept_follow_requests(job: Job) -> None:
    """After an account unlocks: authorize every pending request, in batches
    of ``settings.fanout_batch_size`` (each batch its own transaction).

    Idempotent: each batch deletes the requests it turns into follows, so a
    retried job carries on with those left; it stops when the account has
    been locked again meanwhile."""
    services = job.services
    account_id = int(job.payload["account_id"])
    batch_size = max(1, services.settings.fanout_batch_size)
    while True:
        done = await _accept_batch(services, account_id, batch_size)
        if done is None or done < batch_size:
            return


async def follow_request_changed(job: Job) -> None:
    """After a follow request was made, changed or removed.

    Drops the pair's cached relationship a second time, well after the
    commit: a reader that loaded it from the database just before the
    change may have written the old ``requested`` flags back after the
    service dropped them (as the timeline jobs do for follows).

    A ``requested`` event gives the target its ``follow_request``
    notification (if the request is still pending; answering or withdrawing
    it deletes the notification in the same transaction)."""
    payload = job.payload
    account_id = int(payload["account_id"])
    target_id = int(payload["target_account_id"])
    await forget_relationships(job.services, account_id, target_id)
    if payload.get("event") == REQUESTED:
        await create_event_notification(
            job.services, type=FOLLOW_REQUEST, account_id=target_id, from_account_id=account_id
        )


JOB_HANDLERS: dict[str, JobHandler] = {
    ACCEPT_FOLLOW_REQUESTS: accept_follow_requests,
    FOLLOW_REQUEST_CHANGED: follow_request_changed,
}
