"""Resolved tokens kept in the process for a few seconds.

Every API request resolves its bearer token; from the shared cache that is
a round trip and a decode per request (on Redis, the largest single cost of
a warm home read after hydration). The memo answers from a dict instead.

Staleness is bounded two ways:

- On the process that revokes a token (or suspends its account,
  ``TokenService.forget``), the entry is dropped before the revocation is
  answered: there the token stops working at once.
- Every other process drops it when the revocation reaches it on the event
  bus (the ``tokens`` channel, which every server listens to, see ``watch``);
  pub/sub may lose a message (a dropped Redis connection), so an entry also
  expires ``ttl`` seconds after it was filled. A revoked token therefore
  stops working elsewhere within the bus's delay, and within ``ttl`` at
  worst (``ROOST_TOKEN_MEMO_SECONDS``).

A lookup that started before a revocation (its shared-cache read raced the
delete) must not put the old answer back: each fill carries the revocation
generation it started in, and a fill from an older generation is ignored.
Only tokens of accounts in good standing are kept (as in the shared cache).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

import msgspec

from roost.kernel.auth import Viewer

if TYPE_CHECKING:
    from roost.infra.events import EventBus

log = logging.getLogger("roost.oauth")

# The bus channel every server listens to for revoked tokens (data: the
# msgpack list of their hashes).
TOKENS_CHANNEL = "tokens"
# Entries at most; when full, the memo starts over (tokens in use come back
# after one shared-cache read each).
MEMO_LIMIT = 50_000
# Revocations a watcher may fall behind by before its subscription is dropped
# (the memo is then emptied and the watcher subscribes again).
_QUEUE_LIMIT = 1_024

_encode_hashes = msgspec.msgpack.encode
_decode_hashes = msgspec.msgpack.Decoder(list[str]).decode


def revocation_message(token_hashes: Iterable[str]) -> bytes:
    return _encode_hashes(list(token_hashes))


class TokenMemo:
    """token -> (expiry, Viewer), for ``ttl`` seconds at most.

    Keyed by the token itself, so a hit costs no hashing; revocations name
    token hashes, hence the second map."""

    def __init__(
        self, ttl: float, *, clock: Callable[[], float] = time.monotonic, limit: int = MEMO_LIMIT
    ) -> None:
        self.ttl = ttl
        self.limit = limit
        self._clock = clock
        self._items: dict[str, tuple[float, Viewer]] = {}
        self._tokens: dict[str, str] = {}  # token hash -> token
        # Bumped by every drop: a fill that began before it is stale.
        self.generation = 0

    def get(self, token: str) -> Viewer | None:
        entry = self._items.get(token)
        if entry is None:
            return None
        if entry[0] <= self._clock():
            del self._items[token]
            return None
        return entry[1]

    def put(self, token: str, token_hash: str, viewer: Viewer, generation: int) -> None:
        """Keep ``viewer`` unless something was dropped since ``generation``
        was read (the answer may predate a revocation)."""
        if self.ttl <= 0 or generation != self.generation:
            return
        if len(self._tokens) >= self.limit:  # never fewer than the entries
            self._items.clear()
            self._tokens.clear()
        self._items[token] = (self._clock() + self.ttl, viewer)
        self._tokens[token_hash] = token

    def drop(self, token_hashes: Iterable[str]) -> None:
        self.generation += 1
        for token_hash in token_hashes:
            token = self._tokens.pop(token_hash, None)
            if token is not None:
                self._items.pop(token, None)

    def clear(self) -> None:
        self.generation += 1
        self._items.clear()
        self._tokens.clear()

    def __len__(self) -> int:
        return len(self._items)

    async def watch(self, events: EventBus) -> None:
        """Drop the tokens other processes revoke, until cancelled.

        A subscription dropped for falling behind may have missed some: the
        memo is emptied and a new one opened."""
        while True:
            subscription = events.subscribe(limit=_QUEUE_LIMIT)
            try:
                await subscription.add([TOKENS_CHANNEL])
                async for event in subscription:
                    try:
                        self.drop(_decode_hashes(event.data))
                    except msgspec.DecodeError:
                        log.warning("undecodable token revocation ignored")
            finally:
                subscription.close()
            self.clear()
            await asyncio.sleep(0)


def start_watching(memo: TokenMemo, events: EventBus) -> asyncio.Task[None]:
    """Run ``memo.watch`` in the background (``Services.start``)."""
    task = asyncio.get_running_loop().create_task(memo.watch(events))
    task.add_done_callback(_log_end)
    return task


def _log_end(task: asyncio.Task[None]) -> None:
    with contextlib.suppress(asyncio.CancelledError):
        if task.exception() is not None:
            log.error("token revocation watcher stopped", exc_info=task.exception())
