"""The ``roost`` command line."""

from __future__ import annotations

import asyncio
import importlib
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

import click

from roost.config import Settings
from roost.logs import configure_logging, logging_config


class LazyCommand(NamedTuple):
    target: str  # "module:attribute"
    # Shown by `roost --help` without importing the module (a test keeps it
    # equal to the command's own).
    short_help: str
    # The optional dependencies the module needs, if any.
    extra: str | None = None


# Imported only when run: `roost serve` and `roost --help` load none of them.
# The bench alone imported numpy, rich and matplotlib (most of the CLI's
# start-up time), and it is an optional install.
LAZY_COMMANDS: dict[str, LazyCommand] = {
    "accounts": LazyCommand(
        "roost.accounts.command:accounts",
        'Sign-ups waiting for approval (registrations mode "approved").',
    ),
    "backup": LazyCommand(
        "roost.backup:backup",
        "Back the embedded database (and media folder) up into DESTINATION, online.",
    ),
    "bench": LazyCommand(
        "roost_bench.command:bench",
        "Run the load benchmarks (see docs/benchmarks.md), or a subcommand.",
        extra="bench",
    ),
    "capacity": LazyCommand(
        "roost.capacity.command:capacity",
        "Back-of-the-envelope capacity for a target scale (Twitter 2013 by default).",
    ),
    "cluster": LazyCommand(
        "roost.cluster.command:cluster",
        "HAProxy in front of N app servers, plus M job workers, until Ctrl-C.",
    ),
    "create-admin": LazyCommand(
        "roost.accounts.command:create_admin", "Create an administrator account."
    ),
    "media": LazyCommand("roost.media.command:media", "Media files: sweep unattached uploads."),
    "push": LazyCommand(
        "roost.push.command:push", "Web Push delivery: subscriptions and their failures."
    ),
    "restore": LazyCommand(
        "roost.backup:restore", "Restore a backup made by `roost backup` into the data directory."
    ),
    "seed": LazyCommand(
        "roost.seed.command:seed",
        "Migrate, then load users, follows and statuses "
        "(every account's password is the demo password).",
    ),
    "worker": LazyCommand(
        "roost.jobs.command:worker",
        "Run background jobs (fan-out and the like) until SIGTERM or SIGINT.",
    ),
}


class LazyGroup(click.Group):
    """A group whose ``lazy_commands`` are imported when invoked."""

    def __init__(
        self, *args: Any, lazy_commands: Mapping[str, LazyCommand] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.lazy_commands = dict(lazy_commands or {})

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy_commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        lazy = self.lazy_commands.get(cmd_name)
        if lazy is None:
            return super().get_command(ctx, cmd_name)
        module_name, _, attribute = lazy.target.partition(":")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if lazy.extra is None:
                raise
            return _needs_extra(cmd_name, lazy, (exc.name or "?").partition(".")[0])
        command = getattr(module, attribute)
        assert isinstance(command, click.Command)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """As click's, with the lazy commands' stored help: listing imports nothing."""
        names = [
            n
            for n in self.list_commands(ctx)
            if n in self.lazy_commands or not self.commands[n].hidden
        ]
        if not names:
            return
        limit = formatter.width - 6 - max(len(n) for n in names)
        rows = []
        for name in names:
            lazy = self.lazy_commands.get(name)
            # A stand-in command shortens the stored help as click would.
            command = (
                self.commands[name] if lazy is None else click.Command(name, help=lazy.short_help)
            )
            rows.append((name, command.get_short_help_str(limit)))
        with formatter.section("Commands"):
            formatter.write_dl(rows)


def _needs_extra(name: str, lazy: LazyCommand, missing: str | None) -> click.Command:
    """Stands in for a command whose optional dependencies are not installed."""

    @click.command(
        name,
        help=lazy.short_help,
        add_help_option=False,
        context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
    )
    def unavailable() -> None:
        click.echo(
            f"roost {name} is not available: module {missing!r} is missing. "
            f"Install the {lazy.extra} extra: pip install 'roost[{lazy.extra}]'",
            err=True,
        )
        raise SystemExit(2)

    return unavailable


@click.group(cls=LazyGroup, lazy_commands=LAZY_COMMANDS)
def main() -> None:
    """Roost: a Twitter-like service speaking the Mastodon client API."""
    settings = Settings.from_env()
    configure_logging(settings.log_level, settings.log_format)


# How long in-flight requests may run on once a stopping server has drained.
GRACEFUL_SHUTDOWN_SECONDS = 30


@main.command()
@click.option("--host", default=None, help="Address to bind (default ROOST_HOST or 127.0.0.1).")
@click.option("--port", default=None, type=int, help="Port (default ROOST_PORT or 8000).")
@click.option("--workers", default=1, show_default=True, help="App server processes.")
@click.option(
    "--migrate/--no-migrate",
    "run_migrations",
    default=True,
    show_default=True,
    help="Bring the schema up to date first (roost cluster migrates once, then --no-migrate).",
)
def serve(host: str | None, port: int | None, workers: int, run_migrations: bool) -> None:
    """Migrate if needed and serve the API.

    SIGTERM drains first (readiness fails, requests are still served for
    ROOST_SHUTDOWN_DRAIN_SECONDS), then stops; SIGINT (Ctrl-C) stops at once.
    """
    import os

    from roost import server

    # The app processes read their settings from the environment: pass the
    # command-line address on, so that the public URL they derive matches it.
    if host is not None:
        os.environ["ROOST_HOST"] = host
    if port is not None:
        os.environ["ROOST_PORT"] = str(port)
    settings = Settings.from_env()
    if workers > 1 and not settings.redis_url:
        # The in-process cache and timeline store are per process: a second
        # process would never see the first one's fan-out or invalidations.
        raise click.UsageError("--workers above 1 needs a shared store: set ROOST_REDIS_URL")
    if settings.is_sqlite:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    if run_migrations:
        asyncio.run(_migrate(settings))
    debug = settings.log_level.lower() == "debug"
    click.echo(
        f"Roost on http://{settings.served_authority} (public URL {settings.public_url}, "
        f"{workers} process{'es' if workers > 1 else ''}); Ctrl-C stops it"
    )
    metrics_dir = _metrics_dir(workers)
    try:
        server.run(
            {
                "host": settings.host,
                "port": settings.port,
                "loop": "uvloop",
                "http": "httptools",
                # Applied by uvicorn in every app process (roost.logs); uvicorn's
                # own lines (and one access line per request) only at debug
                # level: the access log costs throughput on the hot read path.
                "log_config": logging_config(settings.log_level, settings.log_format),
                "log_level": "debug" if debug else "warning",
                "access_log": debug,
                # uvicorn would otherwise take the client address from
                # X-Forwarded-For of any loopback caller; Roost reads it itself,
                # from the proxies in ROOST_TRUSTED_PROXIES only
                # (roost.api.client_address).
                "proxy_headers": False,
                # After the drain, requests still running get this long to finish
                # (a stream that never ends would otherwise hold the exit forever).
                "timeout_graceful_shutdown": GRACEFUL_SHUTDOWN_SECONDS,
            },
            workers=workers,
            drain_seconds=settings.shutdown_drain_seconds,
        )
    finally:
        if metrics_dir is not None:
            shutil.rmtree(metrics_dir, ignore_errors=True)


def _metrics_dir(workers: int) -> Path | None:
    """With several app processes, the directory where each keeps its metric
    values for /metrics to add up (roost.infra.metrics): made empty here,
    before the processes start, and named to them by PROMETHEUS_MULTIPROC_DIR.
    An operator's own PROMETHEUS_MULTIPROC_DIR is used (and emptied) instead
    of a temporary one, and kept at exit."""
    import os
    import tempfile

    given = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if given:
        path = Path(given)
        shutil.rmtree(path, ignore_errors=True)
        path.mkdir(parents=True)
        return None
    if workers <= 1:
        return None
    path = Path(tempfile.mkdtemp(prefix="roost-metrics-"))
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(path)
    return path


async def _migrate(settings: Settings) -> None:
    from roost.db.engine import make_engine
    from roost.db.migrate import migrate as run_migrations

    engine = make_engine(settings.effective_database_url)
    try:
        await run_migrations(engine)
    finally:
        await engine.dispose()


@main.command()
def migrate() -> None:
    """Bring the database schema up to date."""
    settings = Settings.from_env()
    if settings.is_sqlite:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    asyncio.run(_migrate(settings))
    click.echo(f"migrated {settings.effective_database_url.split('@')[-1]}")


if __name__ == "__main__":
    main()
