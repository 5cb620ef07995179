"""Group commit: several concurrent writers share one transaction.

Writers ``submit`` an item and wait. One task of the process (the flusher)
takes every item waiting, writes them all in one transaction with the
caller's ``write_batch`` and commits, then answers each writer: only after
that commit does any of them learn its result, so an answer never runs ahead
of durability. Items that arrive while a transaction is open wait for the
next one: the batch grows with the load, and a lone writer pays no delay.

One bad item must not fail the others: when ``write_batch`` raises, the
batch's transaction is rolled back (nothing of it was written) and every
item of it is written again alone, in a transaction of its own, so the item
at fault gets its own error and the rest commit. An error of the commit
itself (a lost connection: the outcome is unknown) fails every item of the
batch, as it would fail a lone writer, and is marked as such for
``Database.once_more_on_disconnect``: the work must not run again.
"""

from __future__ import annotations

import asyncio
import contextvars
import dataclasses
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncConnection

from roost.db.engine import Database, note_commit_attempt

log = logging.getLogger("roost.db")

T = TypeVar("T")
R = TypeVar("R")

WriteBatch = Callable[[AsyncConnection, Sequence[T]], Awaitable[Sequence[R]]]


class CommitFailed(Exception):
    """The shared commit itself failed: whether it happened is unknown."""


@dataclasses.dataclass(eq=False, slots=True)
class _Waiting(Generic[T, R]):
    item: T
    future: asyncio.Future[R]


class GroupCommit(Generic[T, R]):
    """Batches ``submit``-ted items into shared transactions of ``db``.

    ``write_batch(conn, items)`` writes ``items`` in the open transaction and
    returns one result per item, in order; it is also called with a single
    item when a batch is written again item by item. ``max_batch`` caps the
    items of one transaction (1: every item alone, as without batching).
    """

    def __init__(self, db: Database, write_batch: WriteBatch[T, R], *, max_batch: int) -> None:
        self.db = db
        self.write_batch = write_batch
        self.max_batch = max(1, max_batch)
        self._waiting: list[_Waiting[T, R]] = []
        self._flusher: asyncio.Task[None] | None = None
        # What each batch held (for tests and the metrics of a run).
        self.batches = 0
        self.items = 0
        # Items written again alone after their batch failed.
        self.rewritten = 0

    async def submit(self, item: T) -> R:
        """Write ``item`` in the next shared transaction; its result once
        that transaction committed. Raises the item's own error (or
        ``CommitFailed``'s cause when the commit failed)."""
        loop = asyncio.get_running_loop()
        waiting = _Waiting(item, loop.create_future())
        self._waiting.append(waiting)
        if self._flusher is None or self._flusher.done():
            # A context of its own: the flusher outlives the request that
            # started it, and must not write into that request's context.
            self._flusher = loop.create_task(self._flush(), context=contextvars.Context())
        try:
            result: R = await waiting.future
        except CommitFailed as failed:
            note_commit_attempt()
            assert failed.__cause__ is not None
            raise failed.__cause__ from None
        # The commit happened on the flusher's connection: what the
        # writer reads next must see it (read-your-writes with replicas).
        await self.db.written()
        return result

    async def _flush(self) -> None:
        batch: list[_Waiting[T, R]] = []
        try:
            while self._waiting:
                batch = self._waiting[: self.max_batch]
                del self._waiting[: len(batch)]
                await self._write(batch)
        except BaseException as exc:  # cancelled (the loop is closing): nobody may hang
            error = exc if isinstance(exc, Exception) else RuntimeError("group commit stopped")
            for w in [*batch, *self._waiting]:
                _settle(w, error=error)
            self._waiting.clear()
            raise

    async def _write(self, batch: list[_Waiting[T, R]]) -> None:
        self.batches += 1
        self.items += len(batch)
        try:
            results = await self._commit([w.item for w in batch])
        except CommitFailed as exc:
            for w in batch:
                _settle(w, error=exc)
            return
        except Exception as exc:
            if len(batch) == 1:
                _settle(batch[0], error=exc)
                return
            log.info("a batch of %d writes failed (%r): writing them one by one", len(batch), exc)
            for w in batch:
                await self._write_alone(w)
            return
        for w, result in zip(batch, results, strict=True):
            _settle(w, result=result)

    async def _write_alone(self, w: _Waiting[T, R]) -> None:
        self.rewritten += 1
        try:
            (result,) = await self._commit([w.item])
        except Exception as exc:
            _settle(w, error=exc)
        else:
            _settle(w, result=result)

    async def _commit(self, items: list[T]) -> Sequence[R]:
        """One transaction: ``write_batch`` then the commit. An error of the
        commit comes out as ``CommitFailed``."""
        written = False
        try:
            async with self.db.write() as conn:
                results = await self.write_batch(conn, items)
                if len(results) != len(items):
                    raise RuntimeError("write_batch returned a result count unlike its items")
                written = True
        except Exception as exc:
            if written:
                raise CommitFailed() from exc
            raise
        return results


def _settle(
    w: _Waiting[T, R], *, result: R | None = None, error: BaseException | None = None
) -> None:
    if w.future.done():  # the writer was cancelled: its item is written all the same
        return
    if error is not None:
        w.future.set_exception(error)
    else:
        w.future.set_result(result)  # type: ignore[arg-type]
