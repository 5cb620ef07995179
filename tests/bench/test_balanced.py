"""The bench's PostgreSQL + Redis deployment runs behind HAProxy through
`roost cluster` (roost_bench.servers.ServerSpec.balanced)."""

from __future__ import annotations

import socket

import pytest

from roost_bench.servers import ServerError, ServerSpec, free_ports


def test_a_balanced_roost_runs_roost_cluster() -> None:
    command = ServerSpec("uvicorn", "roost", workers=3, balanced=True).command(9000)
    assert command[1:4] == ["-m", "roost", "cluster"]
    text = " ".join(command)
    assert "--servers 3" in text and "--workers 0" in text
    assert "--port 9000" in text and "--first-server-port 9001" in text


def test_only_roost_under_uvicorn_is_balanced() -> None:
    with pytest.raises(ServerError):
        ServerSpec("granian", "roost", balanced=True).command(9000)


def test_free_ports_are_consecutive_and_free() -> None:
    first = free_ports(4)
    for port in range(first, first + 4):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", port))
