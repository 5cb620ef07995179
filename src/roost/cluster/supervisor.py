"""Starting, watching, rolling and stopping the processes of a cluster.

One supervisor process (``roost cluster``) owns every child: HAProxy, N app
servers (``roost serve --no-migrate`` on loopback ports of their own) and M
``roost worker`` processes. Children run in process groups of their own, so
a Ctrl-C at the terminal reaches the supervisor only and it stops them in
order; and each child is told by the kernel to die with the supervisor
(``PR_SET_PDEATHSIG``), so not even a SIGKILLed supervisor leaves orphans.

What happens when:

* SIGINT / SIGTERM: HAProxy stops listening and finishes its connections,
  then app servers stop without a drain (SIGINT: nobody is sending them
  requests any more) and workers finish their jobs; whatever has not
  exited after ``STOP_TIMEOUT`` seconds is killed.
* SIGHUP: rolling restart. One app server at a time gets SIGTERM (it fails
  readiness, HAProxy takes it out, it drains and exits), a new one starts on
  the same port, and the next waits until HAProxy reports the new one UP.
  Then the workers, one at a time. A roll in progress ignores further HUPs.
* An app server or worker that exits on its own is started again; one that
  dies ``MAX_RESTARTS`` times within ``RESTART_WINDOW`` seconds, or HAProxy
  exiting, stops the whole cluster (exit status 1).
"""

from __future__ import annotations

import collections
import contextlib
import ctypes
import dataclasses
import logging
import signal
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import FrameType
from typing import Literal

from roost.cluster import haproxy

log = logging.getLogger("roost.cluster")

STOP_TIMEOUT = 30.0
START_TIMEOUT = 60.0
MAX_RESTARTS = 5
RESTART_WINDOW = 60.0
_PR_SET_PDEATHSIG = 1

Kind = Literal["balancer", "app", "worker"]


class ClusterError(RuntimeError):
    """The cluster cannot start or keep running."""


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    """In the child, before exec: get SIGKILL when the supervisor dies."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


@dataclasses.dataclass(eq=False)
class Child:
    name: str
    kind: Kind
    argv: Sequence[str]
    env: Mapping[str, str]
    port: int | None = None
    process: subprocess.Popen[bytes] | None = None
    deaths: collections.deque[float] = dataclasses.field(default_factory=collections.deque)

    def start(self) -> None:
        self.process = subprocess.Popen(
            list(self.argv),
            env=dict(self.env),
            # A process group of its own: a Ctrl-C at the terminal reaches
            # the supervisor only (which stops the children in order); the
            # session stays the supervisor's, so whoever accounts for its
            # CPU (roost bench) sees the children too.
            process_group=0,
            preexec_fn=_die_with_parent,
        )
        log.info("%s started: pid %s", self.name, self.process.pid)

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def signal(self, signum: int) -> None:
        if self.running:
            assert self.process is not None
            with contextlib.suppress(ProcessLookupError):  # exited meanwhile
                self.process.send_signal(signum)

    def wait(self, timeout: float) -> bool:
        """True when the child has exited within ``timeout`` seconds."""
        if self.process is None:
            return True
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return False
        return True

    def kill(self) -> None:
        self.signal(signal.SIGKILL)
        self.wait(5)


def ready(port: int, *, timeout: float = 1.0) -> bool:
    """True when the app server on ``port`` answers its readiness check."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=timeout) as r:
            return bool(r.status == 200)
    except (urllib.error.URLError, OSError):
        return False


class Supervisor:
    def __init__(
        self,
        children: Sequence[Child],
        *,
        stats_socket: Path,
        drain_seconds: float,
        announce: Callable[[], None] = lambda: None,
    ) -> None:
        self.balancer = next(c for c in children if c.kind == "balancer")
        self.apps = [c for c in children if c.kind == "app"]
        self.workers = [c for c in children if c.kind == "worker"]
        self.stats_socket = stats_socket
        self.drain_seconds = drain_seconds
        self.announce = announce
        self._stop_requested = False
        self._roll_requested = False

    # -- signals ---------------------------------------------------------

    def _on_stop(self, signum: int, frame: FrameType | None) -> None:
        self._stop_requested = True

    def _on_hup(self, signum: int, frame: FrameType | None) -> None:
        self._roll_requested = True

    # -- life cycle ------------------------------------------------------

    def run(self) -> int:
        """Start everything, supervise until told to stop; the exit status."""
        previous = {
            signal.SIGINT: signal.signal(signal.SIGINT, self._on_stop),
            signal.SIGTERM: signal.signal(signal.SIGTERM, self._on_stop),
            signal.SIGHUP: signal.signal(signal.SIGHUP, self._on_hup),
        }
        try:
            status = self._supervise()
        except ClusterError as exc:
            log.error("%s: stopping the cluster", exc)
            status = 1
        finally:
            self.stop()
            for signum, handler in previous.items():
                signal.signal(signum, handler)
        return status

    def _supervise(self) -> int:
        for app in self.apps:
            app.start()
        for app in self.apps:
            self._wait_app_ready(app)
        for worker in self.workers:
            worker.start()
        self.balancer.start()
        self._wait_balanced([a.name for a in self.apps])
        self.announce()
        while not self._stop_requested:
            if self._roll_requested:
                self._roll_requested = False
                self.roll()
                continue
            self._check_children()
            time.sleep(0.1)
        return 0

    def _check_children(self) -> None:
        if not self.balancer.running:
            raise ClusterError(f"haproxy exited (status {self._status(self.balancer)})")
        for child in (*self.apps, *self.workers):
            if child.running:
                continue
            now = time.monotonic()
            child.deaths.append(now)
            while child.deaths and child.deaths[0] < now - RESTART_WINDOW:
                child.deaths.popleft()
            status = self._status(child)
            if len(child.deaths) >= MAX_RESTARTS:
                raise ClusterError(
                    f"{child.name} exited {len(child.deaths)} times in {RESTART_WINDOW:.0f}s"
                    f" (last status {status})"
                )
            log.warning("%s exited (status %s): starting it again", child.name, status)
            child.start()

    @staticmethod
    def _status(child: Child) -> str:
        code = child.process.returncode if child.process else None
        if code is not None and code < 0:
            return signal.Signals(-code).name
        return str(code)

    def _wait_app_ready(self, app: Child) -> None:
        assert app.port is not None
        deadline = time.monotonic() + START_TIMEOUT
        while not ready(app.port):
            if not app.running:
                raise ClusterError(f"{app.name} exited while starting ({self._status(app)})")
            if self._stop_requested:
                raise ClusterError("stopped while starting")
            if time.monotonic() > deadline:
                raise ClusterError(f"{app.name} was not ready after {START_TIMEOUT:.0f}s")
            time.sleep(0.1)

    def _wait_balanced(self, names: Sequence[str]) -> None:
        """Until HAProxy reports every server in ``names`` UP."""
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if not self.balancer.running:
                raise ClusterError(f"haproxy exited (status {self._status(self.balancer)})")
            try:
                states = haproxy.server_states(self.stats_socket)
            except OSError:
                states = {}
            if all(states.get(n) == "UP" for n in names):
                return
            if self._stop_requested:
                raise ClusterError("stopped while starting")
            if time.monotonic() > deadline:
                raise ClusterError(f"haproxy did not report {', '.join(names)} UP: {states}")
            time.sleep(0.1)

    def _wait_out_of_rotation(self, name: str, *, within: float) -> bool:
        """True once HAProxy reports ``name`` DOWN (or in maintenance)."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline and not self._stop_requested:
            try:
                state = haproxy.server_states(self.stats_socket).get(name, "")
            except OSError:
                state = ""
            if state.startswith(("DOWN", "MAINT")):
                return True
            time.sleep(0.05)
        return False

    def roll(self) -> None:
        """Restart the app servers one at a time, then the workers."""
        log.info(
            "rolling restart of %s app servers and %s workers", len(self.apps), len(self.workers)
        )
        started = time.monotonic()
        for app in self.apps:
            if self._stop_requested:
                return
            # SIGTERM: readiness fails at once, HAProxy takes the server out
            # within its checks, the server keeps answering meanwhile and
            # exits after its drain period.
            app.signal(signal.SIGTERM)
            # Once HAProxy has taken it out nothing new reaches it: the rest
            # of the drain is skipped (a second SIGTERM), in-flight requests
            # still finish.
            if self._wait_out_of_rotation(app.name, within=self.drain_seconds):
                app.signal(signal.SIGTERM)
            if not app.wait(self.drain_seconds + STOP_TIMEOUT):
                log.warning("%s did not stop in time: killing it", app.name)
                app.kill()
            app.start()
            self._wait_app_ready(app)
            self._wait_balanced([app.name])
            log.info("%s restarted", app.name)
        for worker in self.workers:
            if self._stop_requested:
                return
            worker.signal(signal.SIGTERM)
            if not worker.wait(STOP_TIMEOUT):
                worker.kill()
            worker.start()
        log.info("rolling restart done in %.1fs", time.monotonic() - started)

    def stop(self) -> None:
        """Stop every child (see the module docstring for the order)."""
        # Soft stop: HAProxy stops listening and lets its connections finish.
        self.balancer.signal(signal.SIGUSR1)
        if not self.balancer.wait(5):
            self.balancer.signal(signal.SIGTERM)
        for app in self.apps:
            app.signal(signal.SIGINT)
        for worker in self.workers:
            worker.signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT
        for child in (self.balancer, *self.apps, *self.workers):
            if not child.wait(max(0.0, deadline - time.monotonic())):
                log.warning("%s did not stop in %.0fs: killing it", child.name, STOP_TIMEOUT)
                child.kill()
        log.info("cluster stopped")
