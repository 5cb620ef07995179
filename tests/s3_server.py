"""A real S3 API server on loopback for the tests: moto's standalone server
(a separate process speaking the S3 REST protocol over HTTP), on a port the
system picks, stopped when the block ends. Nothing leaves the machine."""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

_LISTENING = re.compile(rb"Running on (http://127\.0\.0\.1:\d+)")
START_SECONDS = 60


@contextlib.contextmanager
def s3_server(workdir: Path) -> Iterator[str]:
    """Yield the endpoint URL (``http://127.0.0.1:<port>``) once it listens."""
    log_path = workdir / "s3-server.log"
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"}
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", "0"],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
        )
    try:
        deadline = time.monotonic() + START_SECONDS
        while (found := _LISTENING.search(log_path.read_bytes())) is None:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    f"the S3 server did not start: {log_path.read_text(errors='replace')}"
                )
            time.sleep(0.05)  # the log file is the only sign of readiness
        yield found.group(1).decode()
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
