"""The HAProxy configuration of a Roost deployment, from the packaged template.

``haproxy.cfg`` next to this module is the documented production
configuration; this module fills in the addresses and limits.
"""

from __future__ import annotations

import dataclasses
import socket
import string
from collections.abc import Sequence
from importlib import resources
from pathlib import Path

BACKEND = "roost_app"


@dataclasses.dataclass(frozen=True, slots=True)
class Upstream:
    name: str
    host: str
    port: int

    @property
    def address(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"


@dataclasses.dataclass(frozen=True, slots=True)
class BalancerConfig:
    bind: str  # "127.0.0.1:8000", "*:80", "[::]:443 ssl crt ..."
    upstreams: Sequence[Upstream]
    stats_socket: Path
    # Concurrent requests each app server gets; more wait in HAProxy's queue.
    server_maxconn: int = 100
    frontend_maxconn: int = 4_000
    queue_timeout: str = "5s"
    check_inter: str = "1s"
    check_fast_inter: str = "250ms"
    check_fall: int = 2
    check_rise: int = 2
    # "stderr" in the foreground; a syslog address ("/dev/log") in production.
    log_target: str = "stderr format raw"
    # Production (started as root by systemd): drop to this user, chrooted.
    run_as: str | None = None


def template() -> str:
    return resources.files("roost.cluster").joinpath("haproxy.cfg").read_text()


def render(config: BalancerConfig) -> str:
    privileges = ""
    if config.run_as:
        privileges = (
            "    # Started as root to bind; runs as an unprivileged user, chrooted.\n"
            f"    user {config.run_as}\n    group {config.run_as}\n    chroot /var/lib/haproxy\n"
        )
    servers = "\n".join(f"    server {u.name} {u.address}" for u in config.upstreams)
    return string.Template(template()).substitute(
        global_maxconn=config.frontend_maxconn,
        log_target=config.log_target,
        stats_socket=str(config.stats_socket),
        queue_timeout=config.queue_timeout,
        bind=config.bind,
        frontend_maxconn=config.frontend_maxconn,
        check_inter=config.check_inter,
        check_fast_inter=config.check_fast_inter,
        check_fall=config.check_fall,
        check_rise=config.check_rise,
        server_maxconn=config.server_maxconn,
        servers=servers,
        privileges=privileges,
    )


def server_states(stats_socket: Path, *, timeout: float = 2.0) -> dict[str, str]:
    """Each app server's state in HAProxy ("UP", "DOWN", "UP 1/2", "MAINT"...),
    read through the runtime API."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout)
        sock.connect(str(stats_socket))
        sock.sendall(b"show stat\n")
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    lines = b"".join(chunks).decode().splitlines()
    if not lines or not lines[0].startswith("# "):
        return {}
    header = lines[0][2:].split(",")
    pxname, svname, status = (header.index(k) for k in ("pxname", "svname", "status"))
    states = {}
    for line in lines[1:]:
        fields = line.split(",")
        if len(fields) <= status or fields[pxname] != BACKEND:
            continue
        if fields[svname] not in ("FRONTEND", "BACKEND"):
            states[fields[svname]] = fields[status]
    return states
