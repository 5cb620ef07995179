"""`roost cluster` as a real process for the tests, and a light steady load."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx2 as httpx
import pytest

from roost.cluster.command import READY_LINE
from roost.config import Settings
from tests import pg_admin as admin
from tests.conftest import PG_ADMIN_URL, PG_HOST, PG_PORT, REDIS_URL
from tests.helpers import CHEAP_PASSWORD_HASHING, CHEAP_PASSWORD_HASHING_ENV, ApiClient, User
from tests.served import free_port


def free_ports(count: int) -> int:
    """The first of ``count`` consecutive loopback ports free right now."""
    for _ in range(50):
        first = free_port()
        if first + count > 65535:
            continue
        try:
            with contextlib.ExitStack() as stack:
                for port in range(first, first + count):
                    sock = stack.enter_context(socket.socket())
                    sock.bind(("127.0.0.1", port))
        except OSError:
            continue
        return first
    raise RuntimeError(f"no {count} consecutive free ports")


# Fast checks so the tests take seconds: HAProxy takes a server out within
# about 2 x 0.2 s, well inside the drain period.
CHECK_INTERVAL = "0.2"
DRAIN_SECONDS = "2"


@dataclasses.dataclass
class RunningCluster:
    process: subprocess.Popen[bytes]
    log_path: Path
    port: int
    settings: Settings
    run_dir: Path

    @property
    def stats_socket(self) -> Path:
        return self.run_dir / "haproxy.sock"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def child_pids(self) -> dict[str, int]:
        """The latest pid of each child, from the supervisor's log."""
        pids: dict[str, int] = {}
        for name, pid in re.findall(r"roost\.cluster (\S+) started: pid (\d+)", self.log()):
            pids[name] = int(pid)
        return pids

    def wait_for_log(self, text: str, *, after: int = 0, within: float = 60) -> None:
        deadline = time.monotonic() + within
        while text not in self.log()[after:]:
            if self.process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"no {text!r} in the cluster's log:\n{self.log()[-5000:]}")
            time.sleep(0.05)

    def make_users(self, *names: str) -> list[User]:
        """Accounts with tokens, written straight to the shared database."""
        with ApiClient.start(self.settings) as api:
            return [api.make_user(name) for name in names]


def alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie waiting for its parent counts as gone)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


def wait_gone(pids: list[int], within: float = 15) -> list[int]:
    deadline = time.monotonic() + within
    while any(alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    return [p for p in pids if alive(p)]


@contextlib.contextmanager
def running_cluster(
    tmp_path: Path, *, servers: int, workers: int, redis_prefix: str
) -> Iterator[RunningCluster]:
    """`roost cluster` on a scratch database of its own; stopped (killed if
    need be) at the end."""
    database = f"roost_cluster_{os.getpid()}"
    admin.recreate_database(PG_ADMIN_URL, database)
    database_url = f"postgresql://postgres@{PG_HOST}:{PG_PORT}/{database}"
    port = free_ports(servers + 1)
    env = {
        **os.environ,
        **CHEAP_PASSWORD_HASHING_ENV,
        "ROOST_DATA_DIR": str(tmp_path / "data"),
        "ROOST_REDIS_KEY_PREFIX": redis_prefix,
        "ROOST_RATE_LIMITS": "false",
        "ROOST_SHUTDOWN_DRAIN_SECONDS": DRAIN_SECONDS,
        "ROOST_LOG_LEVEL": "info",
    }
    for name in ("ROOST_PUBLIC_URL", "ROOST_DOMAIN", "ROOST_HOST", "ROOST_TRUSTED_PROXIES"):
        env.pop(name, None)
    # Short: HAProxy's runtime socket lives there (a Unix socket path is short).
    run_dir = Path(tempfile.mkdtemp(prefix="roost-cluster-"))
    log_path = tmp_path / "cluster.log"
    log = log_path.open("wb")
    process = subprocess.Popen(
        [
            sys.executable, "-m", "roost", "cluster",
            "--servers", str(servers), "--workers", str(workers),
            "--port", str(port), "--first-server-port", str(port + 1),
            "--database-url", database_url, "--redis-url", REDIS_URL,
            "--check-interval", CHECK_INTERVAL, "--run-dir", str(run_dir),
        ],
        env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    settings = Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        redis_url=REDIS_URL,
        redis_key_prefix=redis_prefix,
        run_workers=False,
        worker_id=1000,
        rate_limits=False,
    ).replace(**CHEAP_PASSWORD_HASHING)
    running = RunningCluster(process, log_path, port, settings, run_dir)
    try:
        running.wait_for_log(READY_LINE)
        yield running
    finally:
        if process.poll() is None:
            pids = list(running.child_pids().values())
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                process.kill()
            for pid in wait_gone(pids, within=5):
                os.kill(pid, signal.SIGKILL)
        log.close()
        shutil.rmtree(run_dir, ignore_errors=True)
        admin.drop_database(PG_ADMIN_URL, database)


@dataclasses.dataclass
class Outcome:
    at: float  # time.monotonic() of the answer
    ok: bool
    what: str


class SteadyLoad:
    """A few client threads sending a mix of timeline reads and posts through
    the balancer, each with its own keep-alive connection, as fast as answers
    come (a light load: a handful of requests in flight)."""

    def __init__(
        self, url: str, users: list[User], *, threads: int = 4, post_every: int = 5
    ) -> None:
        self.url = url
        self.users = users
        self.threads = threads
        self.post_every = post_every
        self.outcomes: list[Outcome] = []
        self._stop = threading.Event()
        self._workers: list[threading.Thread] = []
        self._lock = threading.Lock()

    def _run(self, index: int) -> None:
        user = self.users[index % len(self.users)]
        with httpx.Client(base_url=self.url, headers=user.headers, timeout=10) as http:
            n = 0
            while not self._stop.is_set():
                n += 1
                posting = n % self.post_every == 0
                try:
                    if posting:
                        r = http.post("/api/v1/statuses", data={"status": f"t{index} n{n}"})
                    else:
                        r = http.get("/api/v1/timelines/home", params={"limit": "5"})
                    ok, what = r.status_code == 200, f"{r.request.method} {r.status_code}"
                except httpx.TransportError as exc:
                    ok, what = False, f"{'POST' if posting else 'GET'} {type(exc).__name__}"
                with self._lock:
                    self.outcomes.append(Outcome(time.monotonic(), ok, what))

    def __enter__(self) -> SteadyLoad:
        for i in range(self.threads):
            thread = threading.Thread(target=self._run, args=(i,), daemon=True)
            thread.start()
            self._workers.append(thread)
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for thread in self._workers:
            thread.join(timeout=15)

    def sent(self) -> int:
        with self._lock:
            return len(self.outcomes)

    def failures(self) -> list[Outcome]:
        with self._lock:
            return [o for o in self.outcomes if not o.ok]
