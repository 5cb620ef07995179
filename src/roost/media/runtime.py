"""Per-process state of media processing: how many uploads this process
works on at once, and who waits for one to finish."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator


class MediaRuntime:
    def __init__(self, concurrency: int) -> None:
        # Bounds the threads and ffmpeg processes of one worker, so media
        # cannot take every core from the other jobs (fan-out).
        self.slots = asyncio.Semaphore(max(1, concurrency))
        self._waiters: dict[int, list[asyncio.Event]] = {}

    @contextlib.asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        async with self.slots:
            yield

    def waiter(self, media_id: int) -> asyncio.Event:
        event = asyncio.Event()
        self._waiters.setdefault(media_id, []).append(event)
        return event

    def forget(self, media_id: int, event: asyncio.Event) -> None:
        events = self._waiters.get(media_id, [])
        if event in events:
            events.remove(event)
        if not events:
            self._waiters.pop(media_id, None)

    def finished(self, media_id: int) -> None:
        """Wake whoever in this process waits for ``media_id``."""
        for event in self._waiters.pop(media_id, []):
            event.set()
