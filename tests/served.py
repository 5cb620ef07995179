"""`roost serve` as a real process on a free loopback port, for the tests
that need the whole stack (uvicorn, the CLI, settings from the environment)."""

from __future__ import annotations

import contextlib
import os
import random
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import httpx2 as httpx
import pytest

# Settings a test process may carry that would point the server elsewhere.
_CLEARED = (
    "ROOST_DATABASE_URL",
    "ROOST_REDIS_URL",
    "ROOST_PUBLIC_URL",
    "ROOST_DOMAIN",
    "ROOST_PORT",
    "ROOST_HOST",
    "ROOST_TRUSTED_PROXIES",
)


# Below the kernel's ephemeral range (32768 and up on Linux): a port the
# kernel handed out for bind(0) may be taken by any outgoing connection of a
# parallel test before the server binds it (seen: "address already in use").
_PORTS = (20_000, 32_000)


def free_port() -> int:
    """A loopback port free now, outside the range outgoing connections use."""
    for _ in range(500):
        port = random.randint(*_PORTS)
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
        return port
    raise RuntimeError("no free port found")


@contextlib.contextmanager
def served_roost(
    tmp_path: Path,
    *,
    env: Mapping[str, str] | None = None,
    port: int | None = None,
    args: Sequence[str] = (),
) -> Iterator[tuple[int, Path]]:
    """Serve the embedded default from ``tmp_path``; yields the port and the
    server's log file once ``/api/v1/instance`` answers, stops it after."""
    port = port or free_port()
    full_env = {**os.environ, "ROOST_DATA_DIR": str(tmp_path / "data")}
    for name in _CLEARED:
        full_env.pop(name, None)
    full_env.update(env or {})
    log_path = tmp_path / "server.log"
    log = log_path.open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "roost", "serve", "--port", str(port), *args],
        env=full_env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                url = f"http://127.0.0.1:{port}/api/v1/instance"
                if httpx.get(url, timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                log.flush()
                pytest.fail("server did not start:\n" + log_path.read_text())
            time.sleep(0.1)
        log.flush()
        yield port, log_path
    finally:
        # SIGINT: stop without the SIGTERM drain period (no balancer here).
        process.send_signal(signal.SIGINT)
        process.wait(timeout=15)
        log.close()
