"""A throw-away three-node Redis Cluster for the tests, when ``redis-server``
and ``redis-cli`` are installed (nothing is persisted; processes end with the
session)."""

from __future__ import annotations

import contextlib
import functools
import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path


def _free_port() -> int:
    # The cluster bus listens on port + 10000: both must be free.
    for _ in range(100):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = int(probe.getsockname()[1])
        if port + 10000 > 65535:
            continue
        with socket.socket() as bus:
            try:
                bus.bind(("127.0.0.1", port + 10000))
            except OSError:
                continue
        return port
    raise RuntimeError("no free port pair for a Redis Cluster node")


def cluster_available() -> bool:
    return bool(shutil.which("redis-server") and shutil.which("redis-cli"))


@contextlib.contextmanager
def redis_cluster(workdir: Path, nodes: int = 3) -> Iterator[str]:
    """Start ``nodes`` primaries, join them, yield a ``redis+cluster://`` URL."""
    processes: list[subprocess.Popen[bytes]] = []
    ports = [_free_port() for _ in range(nodes)]
    try:
        for port in ports:
            processes.append(
                subprocess.Popen(
                    [
                        "redis-server",
                        "--port", str(port),
                        "--bind", "127.0.0.1",
                        "--cluster-enabled", "yes",
                        "--cluster-config-file", str(workdir / f"nodes-{port}.conf"),
                        "--dir", str(workdir),
                        "--save", "",
                        "--appendonly", "no",
                    ],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )  # fmt: skip
        for port in ports:
            _wait_for(functools.partial(_ping, port), "node start")
        nodes_args = [f"127.0.0.1:{p}" for p in ports]
        create = ["redis-cli", "--cluster", "create", *nodes_args, "--cluster-replicas", "0"]
        subprocess.run(
            [*create, "--cluster-yes"],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=30,
        )
        _wait_for(lambda: all(_cluster_ok(p) for p in ports), "cluster_state:ok")
        yield f"redis+cluster://127.0.0.1:{ports[0]}"
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _cli(port: int, *args: str) -> str:
    result = subprocess.run(
        ["redis-cli", "-p", str(port), *args], capture_output=True, text=True, timeout=5
    )
    return result.stdout


def _ping(port: int) -> bool:
    return _cli(port, "PING").strip() == "PONG"


def _cluster_ok(port: int) -> bool:
    return "cluster_state:ok" in _cli(port, "CLUSTER", "INFO")


def _wait_for(check: Callable[[], bool], what: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise RuntimeError(f"Redis Cluster: timed out waiting for {what}")
