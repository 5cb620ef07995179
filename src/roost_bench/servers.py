"""Starting the servers under test as subprocesses, one at a time.

Each server gets a free port on 127.0.0.1, its own session (so stopping it
stops its worker processes too) and is probed over HTTP until it answers.
Roost on PostgreSQL + Redis runs behind HAProxy through ``roost cluster``
(``ServerSpec.balanced``), as it is deployed.
"""

from __future__ import annotations

import contextlib
import dataclasses
import http.client
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO

SERVERS = ("uvicorn", "granian")


class ServerError(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclasses.dataclass(frozen=True, slots=True)
class ServerSpec:
    """What to serve and how.

    ``target`` is an ASGI import string (``module:attribute``); the special
    target ``"roost"`` serves Roost itself (``roost serve`` under uvicorn,
    ``roost.asgi:app`` after ``roost migrate`` under granian).
    """

    server: str
    target: str
    workers: int = 1
    env: Mapping[str, str] = dataclasses.field(default_factory=dict)
    probe_path: str = "/"
    # Roost only: `roost cluster`, HAProxy in front of ``workers`` app
    # servers of one process each (uvicorn), on ports following ``port``.
    balanced: bool = False

    def command(self, port: int) -> list[str]:
        python = sys.executable
        if self.server not in SERVERS:
            raise ServerError(f"unknown server {self.server!r}")
        if self.balanced:
            if self.target != "roost" or self.server != "uvicorn":
                raise ServerError("only Roost under uvicorn runs behind roost cluster")
            # Job workers, if any, are the bench's own (roost_bench.jobworkers).
            return [
                *(python, "-m", "roost", "cluster", "--servers", str(self.workers)),
                *("--workers", "0", "--host", "127.0.0.1", "--port", str(port)),
                *("--first-server-port", str(port + 1)),
            ]
        if self.target == "roost" and self.server == "uvicorn":
            return [
                python,
                "-m",
                "roost",
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                str(self.workers),
            ]
        target = "roost.asgi:app" if self.target == "roost" else self.target
        if self.server == "uvicorn":
            return [
                python,
                "-m",
                "uvicorn",
                target,
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                str(self.workers),
                "--loop",
                "uvloop",
                "--http",
                "httptools",
                "--log-level",
                "warning",
                "--no-access-log",
            ]
        return [
            python,
            "-m",
            "granian",
            "--interface",
            "asgi",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(self.workers),
            "--loop",
            "uvloop",
            "--no-ws",
            "--log-level",
            "warning",
            target,
        ]


@dataclasses.dataclass
class RunningServer:
    spec: ServerSpec
    port: int
    process: subprocess.Popen[bytes]
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def cpu_seconds(self) -> float:
        """CPU time used so far by every process of the server's session.

        Shows how many cores a "one worker" server really uses (granian's
        I/O runs on its own threads, uvicorn's on the event loop).
        """
        return session_cpu_seconds(self.process.pid)

    def log_tail(self, chars: int = 3000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""


def session_cpu_seconds(session_id: int) -> float:
    """User + system CPU seconds of the live processes in a session (Linux /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name may hold spaces: the fields start after its ")".
        fields = stat[stat.rindex(")") + 2 :].split()
        if int(fields[3]) == session_id:
            total += int(fields[11]) + int(fields[12])
    return total / ticks


def _probe(port: int, path: str) -> bool:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        conn.request("GET", path)
        return conn.getresponse().status < 500
    except OSError:
        return False
    finally:
        conn.close()


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    # The server runs in its own session: signal the whole group (its workers).
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


def _migrate_roost(env: Mapping[str, str], log: IO[bytes]) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "roost", "migrate"],
        env=dict(env),
        stdout=log,
        stderr=subprocess.STDOUT,
        timeout=300,
        check=False,
    )
    if done.returncode != 0:
        raise ServerError("roost migrate failed")


def free_ports(count: int) -> int:
    """The first of ``count`` consecutive free ports on 127.0.0.1."""
    for _ in range(50):
        first = free_port()
        if first + count > 65536:
            continue
        try:
            with contextlib.ExitStack() as stack:
                for port in range(first, first + count):
                    sock = stack.enter_context(socket.socket(socket.AF_INET, socket.SOCK_STREAM))
                    sock.bind(("127.0.0.1", port))
        except OSError:
            continue
        return first
    raise ServerError(f"no {count} consecutive free ports")


@contextlib.contextmanager
def serve(spec: ServerSpec, *, ready_timeout: float = 60.0) -> Iterator[RunningServer]:
    """Run the server for the duration of the block."""
    # Behind roost cluster: the balancer's port, then one per app server.
    port = free_ports(1 + spec.workers) if spec.balanced else free_port()
    env = {**os.environ, **spec.env}
    with tempfile.TemporaryDirectory(prefix="roost-server-log-") as tmp:
        log_path = Path(tmp) / "server.log"
        with log_path.open("wb") as log:
            if spec.target == "roost" and spec.server == "granian":
                _migrate_roost(env, log)
            process = subprocess.Popen(
                spec.command(port),
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            running = RunningServer(spec, port, process, log_path)
            try:
                deadline = time.monotonic() + ready_timeout
                while not _probe(port, spec.probe_path):
                    if process.poll() is not None:
                        raise ServerError(f"server exited early:\n{running.log_tail()}")
                    if time.monotonic() > deadline:
                        raise ServerError(f"server not ready in time:\n{running.log_tail()}")
                    time.sleep(0.1)
                yield running
            finally:
                _stop(process)
