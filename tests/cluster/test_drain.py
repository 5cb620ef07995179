"""`roost serve` on SIGTERM: readiness fails at once, requests are still
answered for the drain period, then the process exits 0 (also with
``--workers N``, where each child drains)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx2 as httpx
import pytest

from tests.conftest import REDIS_URL
from tests.served import free_port

DRAIN = 3.0


def _status(url: str) -> int | None:
    try:
        return httpx.get(url, timeout=2).status_code
    except httpx.TransportError:
        return None


def _read_stream(url: str, ended: threading.Event) -> None:
    """Hold a public stream open until the server ends it."""
    try:
        with httpx.stream("GET", url, timeout=httpx.Timeout(5, read=60)) as response:
            for _ in response.iter_lines():
                pass
    except httpx.TransportError:
        pass
    ended.set()


def _drains(tmp_path: Path, *, workers: int, extra_env: dict[str, str]) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("ROOST_")},
        "ROOST_DATA_DIR": str(tmp_path / "data"),
        "ROOST_SHUTDOWN_DRAIN_SECONDS": str(DRAIN),
        "ROOST_LOG_LEVEL": "info",
        **extra_env,
    }
    log_path = tmp_path / "serve.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "roost",
                "serve",
                "--port",
                str(port),
                "--workers",
                str(workers),
            ],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 30
            while _status(f"{base}/readyz") != 200:
                assert process.poll() is None and time.monotonic() < deadline, log_path.read_text()
                time.sleep(0.1)
            # A stream open through the stop: the server ends it as it stops
            # listening, instead of waiting for it (up to 30 s) before exiting.
            ended = threading.Event()
            reader = threading.Thread(
                target=_read_stream, args=(f"{base}/api/v1/streaming/public", ended), daemon=True
            )
            reader.start()
            process.send_signal(signal.SIGTERM)
            signalled = time.monotonic()
            # Readiness fails within a moment (every child: several answers in a row)...
            while [_status(f"{base}/readyz") for _ in range(4)] != [503] * 4:
                assert time.monotonic() - signalled < 1.5, log_path.read_text()
                time.sleep(0.05)
            # ...while the API and liveness still answer during the drain.
            assert _status(f"{base}/api/v1/instance") == 200
            assert _status(f"{base}/livez") == 200
            assert time.monotonic() - signalled < DRAIN, "the checks took the whole drain"
            assert process.wait(timeout=DRAIN + 10) == 0, log_path.read_text()
            assert time.monotonic() - signalled >= DRAIN - 0.2
            assert ended.wait(5), "the open stream outlived the server"
            assert _status(f"{base}/livez") is None  # no longer listening
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
    if workers == 1:  # (children of --workers N log nothing below WARNING yet)
        assert "SIGTERM: draining for 3.0s" in log_path.read_text()


@pytest.mark.e2e
def test_sigterm_drains_a_single_process_server(tmp_path: Path) -> None:
    _drains(tmp_path, workers=1, extra_env={})


@pytest.mark.e2e
@pytest.mark.redis
def test_sigterm_drains_every_child_of_a_multi_process_server(
    tmp_path: Path, redis_key_prefix: str
) -> None:
    prefix = f"{redis_key_prefix}drain:"
    _drains(
        tmp_path,
        workers=2,
        extra_env={"ROOST_REDIS_URL": REDIS_URL, "ROOST_REDIS_KEY_PREFIX": prefix},
    )
