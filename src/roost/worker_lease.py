"""A unique Snowflake worker id per process, leased at start and renewed.

Each process that mints ids (``roost serve`` app processes, ``roost worker``
processes) takes a worker id nobody else holds: from Redis when
``ROOST_REDIS_URL`` is set, from the database's ``worker_ids`` table
otherwise (``roost.infra.redis_worker_ids``, ``roost.db.worker_ids``). The
lease lasts ``ROOST_WORKER_LEASE_SECONDS`` and is renewed every third of
that by a background task; it is released at a clean exit, and a crashed
process's id is free again once its lease runs out. ``ROOST_WORKER_ID``
pins an id instead (then no lease is taken: the operator keeps ids apart).

When no id is free, or the lease store cannot be reached at start, the
process refuses to start: minting with a shared id could make duplicate
ids. When a renewal finds the id taken by another process (this one could
not renew for a whole lease, e.g. Redis was unreachable), a new id is
leased and used from then on, and a warning is logged; when the store is
unreachable the process keeps its id and logs, and tries again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import Sequence
from typing import Protocol

from roost.ids import IdGenerator

log = logging.getLogger("roost.ids")


class WorkerIdStore(Protocol):
    async def acquire(
        self, owner: str, *, ttl: float, preferred: Sequence[int] = ()
    ) -> int | None: ...

    async def renew(self, worker_id: int, owner: str, *, ttl: float) -> bool: ...

    async def release(self, worker_id: int, owner: str) -> None: ...


class NoWorkerId(RuntimeError):
    """No unique worker id could be leased: the process must not mint ids."""


class WorkerLease:
    """Holds this process's worker id lease and keeps ``ids`` minting with it."""

    def __init__(self, store: WorkerIdStore, ids: IdGenerator, *, ttl: float) -> None:
        self.store = store
        self.ids = ids
        self.ttl = ttl
        self.owner = secrets.token_hex(16)
        self.worker_id: int | None = None
        self._renewer: asyncio.Task[None] | None = None

    async def start(self) -> int:
        """Lease an id, hand it to the generator, and start renewing it."""
        try:
            worker_id = await self.store.acquire(self.owner, ttl=self.ttl)
        except Exception as exc:
            raise NoWorkerId(f"cannot lease a worker id: {exc}") from exc
        if worker_id is None:
            raise NoWorkerId("every worker id (0-1023) is leased by a running process")
        self._use(worker_id)
        self._renewer = asyncio.create_task(self._renew_forever(), name="worker-id-lease")
        return worker_id

    def _use(self, worker_id: int) -> None:
        self.worker_id = worker_id
        self.ids.use_worker(worker_id)
        log.info("minting ids as worker %d", worker_id)

    async def renew(self) -> None:
        """Renew once; lease another id if this one was taken over."""
        assert self.worker_id is not None
        if await self.store.renew(self.worker_id, self.owner, ttl=self.ttl):
            return
        lost = self.worker_id
        worker_id = await self.store.acquire(self.owner, ttl=self.ttl)
        if worker_id is None:
            log.error("worker id %d was taken over and none is free: keeping it", lost)
            return
        log.warning("worker id %d was taken over by another process; now %d", lost, worker_id)
        self._use(worker_id)

    async def _renew_forever(self) -> None:
        while True:
            await asyncio.sleep(self.ttl / 3)
            try:
                await self.renew()
            except Exception as exc:  # the store is down: keep the id, retry
                log.warning("could not renew worker id %s: %s", self.worker_id, exc)

    async def stop(self) -> None:
        """Stop renewing and give the id back (best effort)."""
        if self._renewer is not None:
            self._renewer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._renewer
            self._renewer = None
        if self.worker_id is not None:
            try:
                await self.store.release(self.worker_id, self.owner)
            except Exception as exc:
                log.warning("could not release worker id %d: %s", self.worker_id, exc)
            self.worker_id = None
