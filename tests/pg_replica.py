"""A PostgreSQL primary and its streaming replica on loopback, made for the
tests with the Debian PostgreSQL binaries: ``initdb``, ``pg_basebackup -R``
and ``pg_ctl``, run as the ``postgres`` user when the tests run as root
(PostgreSQL refuses to run as root).

The session's shared server (127.0.0.1:5432) accepts no replication
connections, and a test must not reconfigure it, so the pair is a
throw-away cluster of its own: fsync off, ports chosen free, everything in
a temporary directory removed at the end.
"""

from __future__ import annotations

import contextlib
import dataclasses
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest


def _bin_dir() -> Path | None:
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4])
    )
    return Path(found[-1]).parent if found else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclasses.dataclass
class ReplicaPair:
    bin_dir: Path
    root: Path
    primary_port: int
    replica_port: int
    as_postgres: list[str]

    def url(self, port: int, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{port}/{database}"

    @property
    def primary_url(self) -> str:
        return self.url(self.primary_port, "roost")

    @property
    def replica_url(self) -> str:
        return self.url(self.replica_port, "roost")

    def run(self, tool: str, *args: str) -> None:
        subprocess.run(
            [*self.as_postgres, str(self.bin_dir / tool), *args],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            timeout=60,
        )

    def start_replica(self) -> None:
        self.run("pg_ctl", "-D", str(self.root / "replica"), "-l", str(self.root / "replica.log"),
                 "-w", "-t", "30", "start")  # fmt: skip

    def stop_replica(self) -> None:
        self.run("pg_ctl", "-D", str(self.root / "replica"), "-m", "immediate", "-w", "stop")


def _wait_ready(port: int) -> None:
    deadline = time.monotonic() + 30
    while True:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"PostgreSQL on {port} did not start")
        time.sleep(0.05)


@contextlib.contextmanager
def replica_pair() -> Iterator[ReplicaPair]:
    """Start the pair (database ``roost`` on both); stop and remove it after."""
    bin_dir = _bin_dir()
    if bin_dir is None:
        pytest.skip("PostgreSQL server binaries are not installed")
    root = Path(tempfile.mkdtemp(prefix="roost-pg-pair-"))
    as_postgres: list[str] = []
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")
        os.chown(root, user.pw_uid, user.pw_gid)
        as_postgres = ["runuser", "-u", "postgres", "--"]
    pair = ReplicaPair(bin_dir, root, _free_port(), _free_port(), as_postgres)
    primary = root / "primary"
    started: list[Path] = []
    try:
        pair.run("initdb", "-D", str(primary), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                 "--no-sync", "--no-instructions")  # fmt: skip
        settings = (
            f"port = {pair.primary_port}\n"
            "listen_addresses = '127.0.0.1'\n"
            f"unix_socket_directories = '{root}'\n"
            "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
            "wal_level = replica\nmax_wal_senders = 4\nwal_keep_size = '64MB'\n"
            "shared_buffers = '16MB'\nmax_connections = 60\n"
        )
        with (primary / "postgresql.conf").open("a") as conf:
            conf.write(settings)
        pair.run("pg_ctl", "-D", str(primary), "-l", str(root / "primary.log"), "-w", "-t", "30",
                 "start")  # fmt: skip
        started.append(primary)
        _wait_ready(pair.primary_port)
        pair.run("createdb", "-h", "127.0.0.1", "-p", str(pair.primary_port), "-U", "postgres",
                 "roost")  # fmt: skip
        pair.run("pg_basebackup", "-h", "127.0.0.1", "-p", str(pair.primary_port), "-U",
                 "postgres", "-D", str(root / "replica"), "-R", "-X", "stream", "-c", "fast",
                 "--no-sync")  # fmt: skip
        with (root / "replica" / "postgresql.conf").open("a") as conf:
            conf.write(f"port = {pair.replica_port}\nhot_standby = on\n")
        pair.start_replica()
        started.append(root / "replica")
        _wait_ready(pair.replica_port)
        yield pair
    except subprocess.CalledProcessError as exc:
        logs = "".join(p.read_text() for p in root.glob("*.log"))
        raise RuntimeError(f"{exc}: {exc.stderr!r}\n{logs}") from exc
    finally:
        for data in reversed(started):
            with contextlib.suppress(subprocess.CalledProcessError, subprocess.TimeoutExpired):
                pair.run("pg_ctl", "-D", str(data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(root, ignore_errors=True)
