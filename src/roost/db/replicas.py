"""Which PostgreSQL replica may answer a read: fresh enough, alive, and
holding the caller's own writes.

Freshness. A monitor in each process asks, every ``poll_interval``, the
primary for its WAL position (``pg_current_wal_lsn``) and each replica for
the position it has replayed (``pg_last_wal_replay_lsn``). A replica is
usable when it has replayed everything the primary had written
``max_lag`` seconds ago: its data is at most that old, whatever the write
rate (an idle primary does not move, so an idle replica stays usable). One
that falls behind, or does not answer, is left out until it catches up;
with none usable, reads go to the primary. Until the monitor has watched
for ``max_lag`` seconds nothing is known, and reads go to the primary.

Read-your-writes. A request made by an account (``reading_as``, set by the
API layer once it knows the caller) that commits a write records the
primary's WAL position after the commit as the account's floor, in the
shared cache for ``max_lag`` plus a little (every app server sees it;
after that any usable replica holds the write anyway). The account's
later reads, in this request and the next ones, go to a replica only if it
has replayed past the floor. A user sees their own post at once; others
may see it up to ``max_lag`` later.

A replica whose connection fails when a read starts is marked down and the
read goes to the primary (``Database.read``); the monitor brings it back.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import contextvars
import dataclasses
import itertools
import logging
import time
from collections.abc import Callable, Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from roost.infra.cache import Cache
from roost.infra.metrics import DB_REPLICA_USABLE

log = logging.getLogger("roost.db")

# Position in the WAL as a number of bytes (comparable, unlike the text form).
# The insert position, not pg_current_wal_lsn() (the write position): with
# synchronous_commit off a committed transaction's WAL may not be written
# yet, and a floor taken from the write position would let a replica that
# lacks the commit answer its author.
_PRIMARY_LSN = sa.text("SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '0/0')::bigint")
_REPLAYED_LSN = sa.text("SELECT pg_wal_lsn_diff(pg_last_wal_replay_lsn(), '0/0')::bigint")
POLL_TIMEOUT = 2.0


@dataclasses.dataclass(slots=True)
class ReadContext:
    """The caller of this request, and the lowest WAL position a replica
    must have replayed to answer its reads (None: not looked up yet)."""

    account_id: int
    floor: int | None = None
    loaded: bool = False


_READS: contextvars.ContextVar[ReadContext | None] = contextvars.ContextVar(
    "roost_reads", default=None
)


def reading_as(account_id: int) -> None:
    """Reads and writes of this request (this task and the ones it starts)
    are made for ``account_id``."""
    _READS.set(ReadContext(account_id))


def read_context() -> ReadContext | None:
    return _READS.get()


class WriteFloors:
    """Each account's last write position, in the shared cache."""

    def __init__(self, cache: Cache, *, ttl: int) -> None:
        self.cache = cache
        self.ttl = ttl

    @staticmethod
    def key(account_id: int) -> str:
        return f"wal:{account_id}"

    async def get(self, account_id: int) -> int | None:
        found = await self.cache.get_many([self.key(account_id)])
        value = found.get(self.key(account_id))
        return int(value) if value is not None else None

    async def remember(self, account_id: int, lsn: int) -> None:
        await self.cache.set_many({self.key(account_id): str(lsn).encode()}, ttl=self.ttl)


@dataclasses.dataclass(slots=True)
class _Replica:
    engine: AsyncEngine
    name: str
    replayed: int | None = None
    reachable: bool = False
    usable: bool = False


class ReplicaSet:
    """The replicas of one primary and what the monitor knows of them."""

    def __init__(
        self,
        primary: AsyncEngine,
        replicas: Sequence[AsyncEngine],
        *,
        max_lag: float,
        poll_interval: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.primary = primary
        self.replicas = [_Replica(engine, f"replica{i}") for i, engine in enumerate(replicas)]
        self.max_lag = max_lag
        self.poll_interval = poll_interval
        self.clock = clock
        self._history: collections.deque[tuple[float, int]] = collections.deque()
        self._cycle = itertools.cycle(range(len(self.replicas)))
        self._task: asyncio.Task[None] | None = None

    def pick(self, floor: int | None = None) -> AsyncEngine | None:
        """A usable replica holding ``floor``, round robin; None: use the primary."""
        for _ in range(len(self.replicas)):
            replica = self.replicas[next(self._cycle)]
            if not replica.usable:
                continue
            if floor is not None and (replica.replayed is None or replica.replayed < floor):
                continue
            return replica.engine
        return None

    def failed(self, engine: AsyncEngine, exc: BaseException) -> None:
        """A read could not connect to ``engine``: leave it out until the
        monitor reaches it again."""
        for replica in self.replicas:
            if replica.engine is engine:
                self._set(replica, reachable=False, usable=False, reason=repr(exc))

    def usable(self) -> list[str]:
        return [r.name for r in self.replicas if r.usable]

    async def primary_position(self) -> int:
        async with self.primary.connect() as conn:
            return int((await conn.execute(_PRIMARY_LSN)).scalar_one())

    async def poll(self) -> None:
        """One look at the primary and every replica."""
        now = self.clock()
        position = await asyncio.wait_for(self.primary_position(), POLL_TIMEOUT)
        self._history.append((now, position))
        # The primary's position max_lag ago: what a usable replica must hold.
        threshold: int | None = None
        while len(self._history) > 1 and self._history[1][0] <= now - self.max_lag:
            self._history.popleft()
        if self._history[0][0] <= now - self.max_lag:
            threshold = self._history[0][1]
        for replica in self.replicas:
            try:
                replayed = await asyncio.wait_for(self._replayed(replica.engine), POLL_TIMEOUT)
            except Exception as exc:  # down, refusing, a timeout: not usable
                self._set(replica, reachable=False, usable=False, reason=repr(exc))
                continue
            replica.replayed = replayed
            fresh = replayed is not None and threshold is not None and replayed >= threshold
            reason = "" if fresh else f"replayed {replayed}, needs {threshold} (lag)"
            self._set(replica, reachable=True, usable=fresh, reason=reason)

    @staticmethod
    async def _replayed(engine: AsyncEngine) -> int | None:
        async with engine.connect() as conn:
            value = (await conn.execute(_REPLAYED_LSN)).scalar_one()
        return None if value is None else int(value)

    def _set(self, replica: _Replica, *, reachable: bool, usable: bool, reason: str) -> None:
        if usable != replica.usable:
            if usable:
                log.warning("%s usable again for reads", replica.name)
            else:
                log.warning("%s left out of reads: %s", replica.name, reason)
        replica.reachable = reachable
        replica.usable = usable
        DB_REPLICA_USABLE.labels(replica.name).set(1 if usable else 0)

    async def run(self) -> None:
        while True:
            try:
                await self.poll()
            except Exception as exc:  # the primary itself: replicas unknown
                log.warning("replica monitor could not reach the primary: %r", exc)
                for replica in self.replicas:
                    self._set(replica, reachable=replica.reachable, usable=False, reason="")
            await asyncio.sleep(self.poll_interval)

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self.run())

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
