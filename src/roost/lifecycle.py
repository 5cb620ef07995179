"""Whether this process is draining: shutting down, but still serving.

An app server told to stop (SIGTERM, see ``roost.server``) first starts
draining: its readiness check (``/readyz``) fails at once so that the load
balancer stops sending it new requests, while it keeps answering every
request that still arrives. Only after the drain period does it stop
listening, finish its in-flight requests and exit.

The state is per process: each app server process drains on its own.
"""

from __future__ import annotations

import time

_draining_since: list[float] = []


def begin_draining() -> None:
    """Fail readiness from now on (idempotent)."""
    if not _draining_since:
        _draining_since.append(time.monotonic())


def draining() -> bool:
    return bool(_draining_since)


def reset() -> None:
    """Ready again (for tests that drain in process)."""
    _draining_since.clear()
