"""``roost cluster``: the scale-out deployment on one machine, in one command.

HAProxy listens on ``--host``/``--port`` (ROOST_HOST/ROOST_PORT) and
balances N app servers on the next loopback ports; M job workers run
beside them; all share one PostgreSQL (``--database-url``) and one Redis
(``--redis-url``). The schema is migrated once, before anything starts.
See ``roost.cluster.supervisor`` for signals (SIGHUP: rolling restart).
"""

from __future__ import annotations

import dataclasses
import logging
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import click

from roost.cluster import haproxy
from roost.cluster.supervisor import Child, Supervisor
from roost.config import Settings

log = logging.getLogger("roost.cluster")

# A Unix socket's path holds at most 107 bytes, and HAProxy binds a
# temporary name (".<pid>.tmp" appended) first.
_SOCKET_PATH_MAX = 90

# The first line `roost cluster` prints once HAProxy has every server UP.
READY_LINE = "roost cluster ready:"


def find_haproxy(given: str | None) -> str:
    """The HAProxy binary: as given, on PATH, or Debian's /usr/sbin/haproxy."""
    for candidate in (given, shutil.which("haproxy"), "/usr/sbin/haproxy"):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    raise click.UsageError(
        "HAProxy not found: install it (apt-get install haproxy, or make setup's"
        " scripts/install-system-deps.sh) or pass --haproxy PATH"
    )


def _with_loopback(proxies: tuple[str, ...]) -> str:
    """ROOST_TRUSTED_PROXIES plus the local balancer's address."""
    entries = list(proxies)
    if "127.0.0.1" not in entries and "127.0.0.0/8" not in entries:
        entries.append("127.0.0.1")
    return ",".join(entries)


def _upstream(index: int, text: str) -> haproxy.Upstream:
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit() or not host:
        raise click.BadParameter(f"{text!r} is not HOST:PORT", param_hint="--upstream")
    return haproxy.Upstream(f"app{index + 1}", host.strip("[]"), int(port))


@click.command()
@click.option(
    "--servers",
    type=click.IntRange(min=1, max=64),
    default=2,
    show_default=True,
    help="App server processes behind HAProxy.",
)
@click.option(
    "--workers",
    type=click.IntRange(min=0, max=64),
    default=1,
    show_default=True,
    help="`roost worker` processes.",
)
@click.option(
    "--worker-concurrency",
    type=click.IntRange(min=1, max=256),
    default=1,
    show_default=True,
    help="Job loops per worker process.",
)
@click.option("--host", default=None, help="HAProxy's address (default ROOST_HOST or 127.0.0.1).")
@click.option("--port", type=int, default=None, help="HAProxy's port (default ROOST_PORT or 8000).")
@click.option(
    "--first-server-port",
    type=int,
    default=None,
    help="App servers listen on 127.0.0.1 from this port up (default: --port + 1).",
)
@click.option("--database-url", default=None, help="PostgreSQL URL (default ROOST_DATABASE_URL).")
@click.option("--redis-url", default=None, help="Redis URL (default ROOST_REDIS_URL).")
@click.option(
    "--run-dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Where haproxy.cfg, its socket and cluster.pid go (default DATA_DIR/cluster).",
)
@click.option("--haproxy", "haproxy_path", default=None, help="The HAProxy binary.")
@click.option(
    "--check-interval",
    type=click.FloatRange(min=0.05, max=60),
    default=1.0,
    show_default=True,
    help="Seconds between HAProxy's readiness checks of a server.",
)
@click.option(
    "--server-maxconn",
    type=click.IntRange(min=1),
    default=100,
    show_default=True,
    help="Requests each app server gets at once; more wait in HAProxy's queue.",
)
@click.option(
    "--print-haproxy-config",
    is_flag=True,
    help="Print the HAProxy configuration this would run, and exit.",
)
@click.option(
    "--upstream",
    "upstreams",
    multiple=True,
    metavar="HOST:PORT",
    help="With --print-haproxy-config: app servers elsewhere (repeat it), for a production"
    " balancer (logs to /dev/log, runtime API socket in /run/haproxy).",
)
def cluster(
    servers: int,
    workers: int,
    worker_concurrency: int,
    host: str | None,
    port: int | None,
    first_server_port: int | None,
    database_url: str | None,
    redis_url: str | None,
    run_dir: Path | None,
    haproxy_path: str | None,
    check_interval: float,
    server_maxconn: int,
    print_haproxy_config: bool,
    upstreams: tuple[str, ...],
) -> None:
    """HAProxy in front of N app servers, plus M job workers, until Ctrl-C.

    PostgreSQL and Redis are required (every process shares them). With
    --workers 0 the app servers run the jobs themselves. SIGHUP
    restarts the app servers one at a time (zero failed requests), then the
    workers; SIGINT or SIGTERM stops everything. An app server or worker that
    dies is started again; HAProxy dying, or a child dying 5 times in a
    minute, stops the cluster with status 1.
    """
    overrides = {
        "ROOST_HOST": host,
        "ROOST_PORT": None if port is None else str(port),
        "ROOST_DATABASE_URL": database_url,
        "ROOST_REDIS_URL": redis_url,
    }
    env = {**os.environ, **{k: v for k, v in overrides.items() if v is not None}}
    front = Settings.from_env(env)
    if not front.database_url.startswith("postgres"):
        raise click.UsageError(
            "roost cluster needs PostgreSQL: --database-url or ROOST_DATABASE_URL"
        )
    if not front.redis_url:
        raise click.UsageError("roost cluster needs Redis: --redis-url or ROOST_REDIS_URL")
    first = first_server_port or front.port + 1
    run_dir = (run_dir or front.data_dir / "cluster").resolve()
    stats_socket = run_dir / "haproxy.sock"
    if len(str(stats_socket)) > _SOCKET_PATH_MAX:
        stats_socket = Path(tempfile.mkdtemp(prefix="roost-cluster-")) / "haproxy.sock"
    inter_ms = max(50, round(check_interval * 1000))
    config = haproxy.BalancerConfig(
        bind=f"{'[' + front.host + ']' if ':' in front.host else front.host}:{front.port}",
        upstreams=[haproxy.Upstream(f"app{i + 1}", "127.0.0.1", first + i) for i in range(servers)],
        stats_socket=stats_socket,
        server_maxconn=server_maxconn,
        check_inter=f"{inter_ms}ms",
        check_fast_inter=f"{max(50, inter_ms // 4)}ms",
    )
    if upstreams:
        if not print_haproxy_config:
            raise click.UsageError("--upstream goes with --print-haproxy-config")
        config = dataclasses.replace(
            config,
            upstreams=[_upstream(i, text) for i, text in enumerate(upstreams)],
            stats_socket=Path("/run/haproxy/admin.sock"),
            log_target="/dev/log",
            run_as="haproxy",
        )
    text = haproxy.render(config)
    if print_haproxy_config:
        click.echo(text, nl=False)
        return
    binary = find_haproxy(haproxy_path)
    drain = front.shutdown_drain_seconds
    detection = config.check_fall * check_interval
    if drain <= detection:
        log.warning(
            "ROOST_SHUTDOWN_DRAIN_SECONDS=%s is not above HAProxy's detection time (%ss):"
            " a rolling restart may fail requests",
            drain,
            detection,
        )
    run_dir.mkdir(parents=True, exist_ok=True)
    config_path = run_dir / "haproxy.cfg"
    config_path.write_text(text)
    check = subprocess.run([binary, "-c", "-f", str(config_path)], capture_output=True, text=True)
    if check.returncode != 0:
        raise click.ClickException(f"haproxy refused {config_path}:\n{check.stdout}{check.stderr}")

    # Once, before any server starts: the servers run with --no-migrate.
    python = sys.executable
    migrated = subprocess.run([python, "-m", "roost", "migrate"], env=env)
    if migrated.returncode != 0:
        raise click.ClickException("migration failed")

    if env.pop("ROOST_WORKER_ID", None) is not None:
        # One pinned id in every process would mint the same ids twice.
        log.warning("ROOST_WORKER_ID ignored: each process of the cluster leases its own")
    shared = {
        **env,
        # Links and OAuth must name the balancer, not an app server's port.
        "ROOST_PUBLIC_URL": front.public_url,
        "ROOST_DOMAIN": front.domain,
        "ROOST_TRUSTED_PROXIES": _with_loopback(front.trusted_proxies),
    }
    children = [Child("haproxy", "balancer", [binary, "-db", "-q", "-f", str(config_path)], shared)]
    # Jobs run in the workers; with --workers 0 in the app servers (unless
    # ROOST_RUN_WORKERS=false: then somebody else runs them).
    app_runs_jobs = workers == 0 and front.run_workers
    for upstream in config.upstreams:
        app_env = {
            **shared,
            "ROOST_HOST": upstream.host,
            "ROOST_PORT": str(upstream.port),
            "ROOST_RUN_WORKERS": "true" if app_runs_jobs else "false",
        }
        argv = [python, "-m", "roost", "serve", "--no-migrate"]
        children.append(Child(upstream.name, "app", argv, app_env, port=upstream.port))
    for i in range(workers):
        argv = [python, "-m", "roost", "worker", "--concurrency", str(worker_concurrency)]
        children.append(Child(f"worker{i + 1}", "worker", argv, shared))

    pid_file = run_dir / "cluster.pid"
    pid_file.write_text(f"{os.getpid()}\n")

    def announce() -> None:
        # Printed whatever the log level: whoever started the cluster waits for it.
        print(
            f"{READY_LINE} http://{front.served_authority} ({servers} app server"
            f"{'s' if servers > 1 else ''}, {workers} worker{'s' if workers != 1 else ''});"
            f" pid {os.getpid()}, SIGHUP rolls, Ctrl-C stops",
            flush=True,
        )

    supervisor = Supervisor(
        children, stats_socket=stats_socket, drain_seconds=drain, announce=announce
    )
    try:
        status = supervisor.run()
    finally:
        pid_file.unlink(missing_ok=True)
        if stats_socket.parent != run_dir:
            shutil.rmtree(stats_socket.parent, ignore_errors=True)
    sys.exit(status)
