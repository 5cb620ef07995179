"""`roost cluster` for real: HAProxy, app servers and a worker on PostgreSQL
and Redis, driven through the balancer.

Figures (requests sent, failed) are printed; run with ``-s`` to see them.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx2 as httpx
import pytest
from click.testing import CliRunner

from roost.cluster import haproxy
from roost.cluster.command import cluster, find_haproxy
from tests import pg_admin as admin
from tests.cluster.running import RunningCluster, SteadyLoad, running_cluster, wait_gone
from tests.conftest import PG_ADMIN_URL, require_service


@pytest.fixture
def services_up() -> None:
    require_service("PostgreSQL", "127.0.0.1", 5432)
    require_service("Redis", "127.0.0.1", 6379)


@pytest.fixture
def prefix(redis_key_prefix: str) -> str:
    """Under the session's prefix: its keys are deleted at the end."""
    return f"{redis_key_prefix}cluster:"


def _eventually(check: object, within: float = 10.0) -> bool:
    assert callable(check)
    deadline = time.monotonic() + within
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_the_written_configuration_passes_haproxy_check(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cluster,
        ["--servers", "3", "--port", "8080", "--print-haproxy-config"],
        env={
            "ROOST_DATABASE_URL": "postgresql://roost@db.internal/roost",
            "ROOST_REDIS_URL": "redis://cache.internal:6379/0",
            "ROOST_DATA_DIR": str(tmp_path),
        },
    )
    assert result.exit_code == 0, result.output
    text = result.output
    for expected in (
        "server app1 127.0.0.1:8081",
        "server app3 127.0.0.1:8083",
        "bind 127.0.0.1:8080",
        "http-check send meth GET uri /readyz",
        "retry-on conn-failure",
        "option redispatch",
        "option forwardfor",
        "timeout queue",
        "timeout tunnel",
        "use_backend roost_streaming if streaming",
    ):
        assert expected in text, expected
    # Streams have a backend of their own, without the per-server request cap.
    streaming = text.split("\nbackend roost_streaming", 1)[1]
    assert "server app3 127.0.0.1:8083" in streaming
    assert "maxconn" not in streaming.split("default-server", 1)[1]
    path = tmp_path / "haproxy.cfg"
    path.write_text(text)
    check = subprocess.run(
        [find_haproxy(None), "-c", "-f", str(path)], capture_output=True, text=True
    )
    assert check.returncode == 0, check.stdout + check.stderr


def test_the_production_configuration_passes_haproxy_check(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cluster,
        [
            *("--print-haproxy-config", "--host", "*", "--port", "80"),
            *("--upstream", "10.0.0.11:8001", "--upstream", "[2001:db8::12]:8001"),
        ],
        env={
            "ROOST_DATABASE_URL": "postgresql://roost@db.internal/roost",
            "ROOST_REDIS_URL": "redis://cache.internal:6379/0",
        },
    )
    assert result.exit_code == 0, result.output
    assert "server app2 [2001:db8::12]:8001" in result.output
    assert "log /dev/log local0" in result.output
    path = tmp_path / "haproxy.cfg"
    path.write_text(result.output)
    check = subprocess.run(
        [find_haproxy(None), "-c", "-f", str(path)], capture_output=True, text=True
    )
    assert check.returncode == 0, check.stdout + check.stderr


def test_cluster_needs_postgresql_and_redis(tmp_path: Path) -> None:
    env = {"ROOST_DATA_DIR": str(tmp_path), "ROOST_DATABASE_URL": "", "ROOST_REDIS_URL": ""}
    result = CliRunner().invoke(cluster, [], env=env)
    assert result.exit_code == 2
    assert "needs PostgreSQL" in result.output


@pytest.fixture
def two_servers(tmp_path: Path, services_up: None, prefix: str) -> Iterator[RunningCluster]:
    with running_cluster(tmp_path, servers=2, workers=1, redis_prefix=prefix) as running:
        yield running


@pytest.mark.e2e
@pytest.mark.postgres
@pytest.mark.redis
def test_post_through_haproxy_reaches_a_followers_home_roll_and_stop(
    two_servers: RunningCluster,
) -> None:
    running = two_servers
    alice, bob = running.make_users("alice", "bob")
    with httpx.Client(base_url=running.url, timeout=10) as http:
        assert http.get("/readyz").json()["checks"]["redis"] == "ok"
        followed = http.post(f"/api/v1/accounts/{bob.sid}/follow", headers=alice.headers)
        assert followed.status_code == 200, followed.text
        posted = http.post("/api/v1/statuses", data={"status": "via HAProxy"}, headers=bob.headers)
        assert posted.status_code == 200, posted.text
        status_id = posted.json()["id"]
        # Fanned out by the worker; read through whichever server HAProxy picks.
        assert _eventually(
            lambda: (
                status_id
                in [
                    s["id"]
                    for s in http.get("/api/v1/timelines/home", headers=alice.headers).json()
                ]
            )
        ), running.log()[-3000:]
        # Links name the balancer, not an app server's own port.
        instance = http.get("/api/v2/instance").json()
        assert instance["domain"] == f"localhost:{running.port}"
        # The web app: both servers name the same asset version and serve it
        # as immutable (round robin reaches each of them).
        shells = {http.get("/").text for _ in range(4)}
        assert len(shells) == 1
        found = re.search(r"/assets/([0-9a-f]+)/app\.js", shells.pop())
        assert found is not None
        for _ in range(4):
            asset = http.get(f"/assets/{found.group(1)}/app.js")
            assert asset.status_code == 200
            assert asset.headers["cache-control"] == "public, max-age=31536000, immutable"
    states = haproxy.server_states(running.stats_socket)
    assert states == {"app1": "UP", "app2": "UP"}

    # Rolling restart (SIGHUP) under a light steady load: not one request fails.
    before = running.child_pids()
    mark = len(running.log())
    with SteadyLoad(running.url, [alice, bob]) as load:
        assert _eventually(lambda: load.sent() >= 50)
        running.process.send_signal(signal.SIGHUP)
        running.wait_for_log("rolling restart done", after=mark, within=60)
        sent_at_roll_end = load.sent()  # a little more load on the new servers
        assert _eventually(lambda: load.sent() >= sent_at_roll_end + 50)
    after = running.child_pids()
    assert all(after[name] != before[name] for name in ("app1", "app2", "worker1")), after
    failures = load.failures()
    print(f"\nrolling restart of 2 app servers: {load.sent()} requests, {len(failures)} failed")
    assert load.sent() >= 200
    assert failures == [], failures[:10]

    # Every PostgreSQL connection of the cluster terminated (as a database
    # restart or an administrator would), three times, under a steady load of
    # home reads, posts and likes: no 5xx, and every acknowledged post is
    # there exactly once.
    writers = running.make_users("carol", "dave")
    terminated = 0
    with SteadyLoad(running.url, writers, post_every=4, like_every=3) as load:
        for _ in range(3):
            assert load.carry_on(60)
            terminated += admin.terminate_connections(PG_ADMIN_URL, running.database)
        assert load.carry_on(60)
    failures, errors = load.failures(), load.server_errors()
    print(
        f"PostgreSQL connections terminated 3 times ({terminated} in all) through HAProxy:"
        f" {load.sent()} requests, {len(failures)} failed"
        f" ({', '.join(f.what for f in failures) or 'none'}), {len(errors)} 5xx,"
        f" {len(load.acknowledged)} posts acknowledged"
    )
    assert terminated >= 3
    # A request whose connection is cut while it commits cannot know whether
    # its write was stored: it is answered 503 with Retry-After (one like in
    # some runs). Never a 500, and more than one is a regression.
    assert [e for e in errors if e.status != 503] == [], errors[:10]
    assert len(errors) <= 1, errors[:10]
    assert load.acknowledged
    stored = running.statuses_of(writers)
    texts = [text for _, text in stored]
    assert len(texts) == len(set(texts)), "a post was written twice"
    assert set(load.acknowledged) <= set(stored), "an acknowledged post is missing"

    # SIGTERM stops every process.
    pids = running.child_pids()
    assert set(pids) == {"app1", "app2", "worker1", "haproxy"}
    running.process.send_signal(signal.SIGTERM)
    assert running.process.wait(timeout=40) == 0, running.log()[-3000:]
    assert wait_gone(list(pids.values())) == []
    assert "cluster stopped" in running.log()


@pytest.mark.e2e
@pytest.mark.postgres
@pytest.mark.redis
def test_app_server_killed_under_load(tmp_path: Path, services_up: None, prefix: str) -> None:
    """One of three app servers SIGKILLed: under 0.1% of requests fail, and
    none once HAProxy has taken it out; then the supervisor, SIGKILLed too,
    leaves no process behind."""
    with running_cluster(tmp_path, servers=3, workers=1, redis_prefix=prefix) as running:
        users = running.make_users("r1", "r2", "r3", "r4")
        socket_path = running.stats_socket
        victim = running.child_pids()["app2"]
        with SteadyLoad(running.url, users, post_every=10) as load:
            assert _eventually(lambda: load.sent() >= 300, within=30)
            os.kill(victim, signal.SIGKILL)
            assert _eventually(
                lambda: haproxy.server_states(socket_path)["app2"].startswith("DOWN"), within=10
            )
            noticed = time.monotonic()
            sent_at_notice = load.sent()
            assert _eventually(lambda: load.sent() >= sent_at_notice + 1800, within=40)
        failures = load.failures()
        after_notice = [f for f in failures if f.at > noticed]
        print(
            f"\none of 3 app servers SIGKILLed: {load.sent()} requests,"
            f" {len(failures)} failed ({', '.join(f.what for f in failures) or 'none'}),"
            f" {len(after_notice)} after HAProxy marked it down"
        )
        assert after_notice == []
        assert len(failures) / load.sent() < 0.001
        # The supervisor started it again and HAProxy took it back.
        assert _eventually(lambda: haproxy.server_states(socket_path)["app2"] == "UP", within=30)

        # No orphans even if the supervisor itself is SIGKILLed.
        pids = list(running.child_pids().values())
        running.process.kill()
        running.process.wait(timeout=10)
        assert wait_gone(pids) == []


@pytest.mark.e2e
@pytest.mark.postgres
@pytest.mark.redis
def test_single_server_rolls_without_a_gap_then_haproxy_dying_stops_the_cluster(
    tmp_path: Path, services_up: None, prefix: str
) -> None:
    with running_cluster(tmp_path, servers=1, workers=1, redis_prefix=prefix) as running:
        users = running.make_users("solo")
        # The spare slot waits in maintenance.
        assert haproxy.server_states(running.stats_socket) == {"app1": "UP", "app1b": "MAINT"}
        # Two rolls under load: the replacement starts on the spare port and
        # is UP before the old server drains, then the slots swap back.
        for serving in ("app1b", "app1"):
            before = running.child_pids()["app1"]
            mark = len(running.log())
            with SteadyLoad(running.url, users, threads=3) as load:
                assert _eventually(lambda: load.sent() >= 30)
                running.process.send_signal(signal.SIGHUP)
                running.wait_for_log("rolling restart done", after=mark, within=60)
                assert load.carry_on(30)
            failures = load.failures()
            print(
                f"\nrolling restart of a single app server (to {serving}):"
                f" {load.sent()} requests, {len(failures)} failed"
            )
            assert failures == [], failures[:10]
            assert running.child_pids()["app1"] != before
            states = haproxy.server_states(running.stats_socket)
            assert states[serving] == "UP", states
            assert len([s for s in states.values() if s == "UP"]) == 1, states

        pids = running.child_pids()
        os.kill(pids["haproxy"], signal.SIGKILL)
        assert running.process.wait(timeout=40) == 1
        assert "haproxy exited (status SIGKILL): stopping the cluster" in running.log()
        assert wait_gone(list(pids.values())) == []


def test_server_states_are_read_from_the_runtime_api(tmp_path: Path) -> None:
    """`show stat` answered by a stand-in socket with HAProxy's CSV shape."""
    import socket
    import threading

    path = tmp_path / "stats.sock"
    csv = (
        "# pxname,svname,qcur,qmax,scur,smax,slim,stot,bin,bout,dreq,dresp,ereq,econ,"
        "eresp,wretr,wredis,status,weight\n"
        "roost,FRONTEND,,,0,1,4000,5,0,0,0,0,0,,,,,OPEN,\n"
        "roost_app,app1,0,0,0,1,100,3,0,0,,0,,0,0,0,0,UP,1\n"
        "roost_app,app2,0,0,0,1,100,2,0,0,,0,,0,0,0,0,DOWN 1/2,1\n"
        "roost_app,BACKEND,0,0,0,1,400,5,0,0,0,0,,0,0,0,0,UP,2\n\n"
    )
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(path))
        server.listen(1)

        def answer() -> None:
            conn, _ = server.accept()
            with conn:
                assert conn.recv(100) == b"show stat\n"
                conn.sendall(csv.encode())

        thread = threading.Thread(target=answer)
        thread.start()
        states = haproxy.server_states(path)
        thread.join()
    assert states == {"app1": "UP", "app2": "DOWN 1/2"}
