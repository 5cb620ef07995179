"""Whether this process is draining: shutting down, but still serving.

An app server told to stop (SIGTERM, see ``roost.server``) first starts
draining: its readiness check (``/readyz``) fails at once so that the load
balancer stops sending it new requests, while it keeps answering every
request that still arrives. Only after the drain period does it stop
listening, finish its in-flight requests and exit.

The state is per process: each app server process drains on its own.

When the server finally stops (after the drain, or at once on Ctrl-C), the
stop hooks run before it waits for in-flight requests: long-lived
responses (streams) end there, so their clients reconnect to another server
instead of holding the exit until the graceful-shutdown timeout.

``watch_process`` is what every serving process (an app server's lifespan,
a ``roost worker``) runs around its work: the event-loop lag and garbage
collection measurements (``roost.infra.stalls``) and, unless
``ROOST_GC_TUNING`` is off, the collector set for a long-lived process
(``roost.infra.gc_tuning``: what is alive after start-up and after a
warm-up frozen, never walked again).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable

from roost.config import Settings
from roost.infra import gc_tuning, stalls

log = logging.getLogger("roost.lifecycle")

# Seconds after start-up when the collector is settled a second time: the
# caches a process fills with its first requests are in place by then.
GC_WARMUP_SECONDS = 60.0

_draining_since: list[float] = []
_stop_hooks: list[Callable[[], None]] = []


def begin_draining() -> None:
    """Fail readiness from now on (idempotent)."""
    if not _draining_since:
        _draining_since.append(time.monotonic())


def draining() -> bool:
    return bool(_draining_since)


def reset() -> None:
    """Ready again (for tests that drain in process)."""
    _draining_since.clear()


def on_stop(hook: Callable[[], None]) -> None:
    """Run ``hook`` when this process stops serving (once per hook)."""
    if hook not in _stop_hooks:
        _stop_hooks.append(hook)


def run_stop_hooks() -> None:
    """Called by the server as it stops listening; a failing hook is logged
    and does not keep the others from running."""
    for hook in list(_stop_hooks):
        try:
            hook()
        except Exception:
            log.exception("stop hook %r failed", hook)


@contextlib.asynccontextmanager
async def watch_process(settings: Settings) -> AsyncIterator[None]:
    """Measure stalls and tune the collector while this process serves."""
    warmed: asyncio.Task[None] | None = None
    if settings.gc_tuning:
        gc_tuning.settle("start-up")
        warmed = asyncio.create_task(_settle_after(GC_WARMUP_SECONDS))
    try:
        async with stalls.watching(log_ms=settings.stall_log_ms):
            yield
    finally:
        if warmed is not None:
            warmed.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await warmed


async def _settle_after(seconds: float) -> None:
    await asyncio.sleep(seconds)
    gc_tuning.settle("warm-up")
