"""The ``roost`` command line."""

from __future__ import annotations

import asyncio
import logging

import click

from roost.config import Settings


@click.group()
def main() -> None:
    """Roost: a Twitter-like service speaking the Mastodon client API."""
    level = Settings.from_env().log_level.upper()
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s %(message)s")


@main.command()
@click.option("--host", default=None, help="Address to bind (default ROOST_HOST or 127.0.0.1).")
@click.option("--port", default=None, type=int, help="Port (default ROOST_PORT or 8000).")
@click.option("--workers", default=1, show_default=True, help="App server processes.")
def serve(host: str | None, port: int | None, workers: int) -> None:
    """Migrate if needed and serve the API and web UI."""
    import uvicorn

    settings = Settings.from_env()
    if workers > 1 and not settings.redis_url:
        # The in-process cache and timeline store are per process: a second
        # process would never see the first one's fan-out or invalidations.
        raise click.UsageError("--workers above 1 needs a shared store: set ROOST_REDIS_URL")
    if settings.is_sqlite:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    asyncio.run(_migrate(settings))
    uvicorn.run(
        "roost.asgi:app",
        host=host or settings.host,
        port=port or settings.port,
        workers=workers,
        loop="uvloop",
        http="httptools",
        log_level="warning",
        access_log=False,
    )


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


def _register_commands() -> None:
    from roost.accounts.command import accounts, create_admin
    from roost.bench.command import bench
    from roost.capacity.command import capacity
    from roost.jobs.command import worker
    from roost.seed.command import seed

    for command in (accounts, bench, capacity, create_admin, seed, worker):
        main.add_command(command)


_register_commands()

if __name__ == "__main__":
    main()
