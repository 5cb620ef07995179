"""Snowflake-style 64-bit ids: milliseconds, worker, sequence.

Ids sort by creation time, so "newest first" is "largest id first" and every
list pages by id. Layout (most significant first): 41 bits of milliseconds
since 2020-01-01 UTC, 10 bits of worker id, 12 bits of sequence.

Two processes minting with the same worker id in the same millisecond can
make the same id, so every process leases a worker id of its own at start
(``roost.worker_lease``); ``ROOST_WORKER_ID`` pins one instead.
"""

from __future__ import annotations

import os
import socket
import threading
import time
import zlib
from datetime import UTC, datetime

EPOCH_MS = 1_577_836_800_000  # 2020-01-01T00:00:00Z
WORKER_BITS = 10
SEQUENCE_BITS = 12
MAX_WORKER = (1 << WORKER_BITS) - 1
MAX_SEQUENCE = (1 << SEQUENCE_BITS) - 1
TIME_SHIFT = WORKER_BITS + SEQUENCE_BITS


def default_worker_id() -> int:
    """A worker id derived from host and process, used until a lease is
    taken (and by tools that mint ids without one). Not unique: with 16
    processes two share one about one time in nine."""
    key = f"{socket.gethostname()}:{os.getpid()}".encode()
    return zlib.crc32(key) & MAX_WORKER


class IdGenerator:
    """Thread-safe generator of time-ordered 64-bit ids."""

    def __init__(self, worker_id: int | None = None) -> None:
        wid = default_worker_id() if worker_id is None or worker_id < 0 else worker_id
        if not 0 <= wid <= MAX_WORKER:
            raise ValueError(f"worker id must be in 0..{MAX_WORKER}")
        self._worker = wid
        self._last_ms = -1
        self._sequence = 0
        self._lock = threading.Lock()

    @property
    def worker_id(self) -> int:
        return self._worker

    def use_worker(self, worker_id: int) -> None:
        """Mint with ``worker_id`` from now on (a lease was taken or moved)."""
        if not 0 <= worker_id <= MAX_WORKER:
            raise ValueError(f"worker id must be in 0..{MAX_WORKER}")
        with self._lock:
            self._worker = worker_id

    def next_id(self) -> int:
        with self._lock:
            now = int(time.time() * 1000)
            # A clock that steps back must not produce an id below one already
            # handed out: keep using the last millisecond until time catches up.
            now = max(now, self._last_ms)
            if now == self._last_ms:
                self._sequence = (self._sequence + 1) & MAX_SEQUENCE
                if self._sequence == 0:
                    now = self._last_ms + 1
            else:
                self._sequence = 0
            self._last_ms = now
            return (
                ((now - EPOCH_MS) << TIME_SHIFT) | (self._worker << SEQUENCE_BITS) | self._sequence
            )


def id_from_datetime(moment: datetime) -> int:
    """The smallest id that could have been made at ``moment``."""
    ms = int(moment.timestamp() * 1000)
    return max(ms - EPOCH_MS, 0) << TIME_SHIFT


def datetime_from_id(snowflake: int) -> datetime:
    ms = (snowflake >> TIME_SHIFT) + EPOCH_MS
    return datetime.fromtimestamp(ms / 1000, tz=UTC)
