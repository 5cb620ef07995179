"""Running the ASGI app under uvicorn, with a drain period on SIGTERM.

A load balancer learns that a server is going away from its readiness check
(``/readyz``), which it probes every second or so. A server that closed its
listening socket the moment it got SIGTERM would refuse the requests sent to
it before the balancer noticed. So on SIGTERM a Roost app server:

1. fails readiness at once (``roost.lifecycle``),
2. keeps accepting and answering requests for ``ROOST_SHUTDOWN_DRAIN_SECONDS``
   (long enough for the balancer's checks to mark it down),
3. then stops like uvicorn always does: closes the listening socket, lets
   in-flight requests finish, runs the lifespan shutdown and exits 0.

A second SIGTERM during the drain skips the rest of it. SIGINT (Ctrl-C)
stops without draining: at a terminal nobody balances load.

With ``--workers N`` uvicorn's supervisor forwards SIGTERM to each child
process, and each child drains the same way.
"""

from __future__ import annotations

import logging
import signal
import socket
import time
from types import FrameType
from typing import Any

import uvicorn
from uvicorn.supervisors import multiprocess

from roost import lifecycle
from roost.config import Settings

log = logging.getLogger("roost.server")


class DrainingServer(uvicorn.Server):
    """uvicorn's server, with the drain period of this module's docstring."""

    def __init__(self, config: uvicorn.Config, *, drain_seconds: float) -> None:
        super().__init__(config)
        self.drain_seconds = drain_seconds
        self._drain_until: float | None = None
        self._drain_logged = False

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        # Runs in a signal handler: set state only, the main loop acts on it.
        first_term = sig == signal.SIGTERM and self._drain_until is None
        if first_term and self.drain_seconds > 0 and not self.should_exit:
            lifecycle.begin_draining()
            self._drain_until = time.monotonic() + self.drain_seconds
            return
        super().handle_exit(sig, frame)
        # uvicorn raises the signal again once stopped (an embedding program
        # would see it); `roost serve` has stopped as asked: exit 0 instead.
        self._captured_signals.clear()

    async def on_tick(self, counter: int) -> bool:
        if self._drain_until is not None:
            if not self._drain_logged:
                self._drain_logged = True
                log.info(
                    "SIGTERM: draining for %ss (readiness fails, requests still served)",
                    self.drain_seconds,
                )
            if time.monotonic() >= self._drain_until:
                self.should_exit = True
        return await super().on_tick(counter)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        # Streams end first (roost.lifecycle): the in-flight requests uvicorn
        # then waits for are short ones.
        lifecycle.run_stop_hooks()
        await super().shutdown(sockets)


def _drain_seconds() -> float:
    return Settings.from_env().shutdown_drain_seconds


class _DrainingProcess(multiprocess.Process):
    """A ``--workers N`` child that runs a DrainingServer (pickled by
    reference to this module, so the spawned child finds it)."""

    def target(self, sockets: list[socket.socket] | None = None) -> None:  # pragma: no cover
        self._server = DrainingServer(self.config, drain_seconds=_drain_seconds())
        super().target(sockets)


def run(config_kwargs: dict[str, Any], *, workers: int, drain_seconds: float) -> None:
    """Serve ``roost.asgi:app`` in this process, or in ``workers`` children."""
    config = uvicorn.Config("roost.asgi:app", workers=workers, **config_kwargs)
    if workers <= 1:
        config.load_app()
        server = DrainingServer(config, drain_seconds=drain_seconds)
        server.run()
        if not server.started:
            raise SystemExit(3)  # uvicorn's start-up failure code
        return
    sock = config.bind_socket()
    # uvicorn's supervisor builds its children by this module-level name; in
    # the parent only, so that each child it starts (and restarts) drains.
    multiprocess.Process = _DrainingProcess  # type: ignore[misc]
    try:
        multiprocess.Multiprocess(config, sockets=[sock]).run()
    finally:
        sock.close()
