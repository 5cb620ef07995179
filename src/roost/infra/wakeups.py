"""The "jobs were enqueued" signal between processes (Redis pub/sub at scale;
absent on the embedded default, where the one process wakes itself)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol


class JobWakeups(Protocol):
    """A cross-process "jobs were enqueued" signal."""

    async def publish(self) -> None: ...

    async def listen(self, on_signal: Callable[[], None]) -> None:
        """Call ``on_signal`` for each signal until cancelled."""
        ...
