"""``roost media``: operator commands for media files.

``roost media sweep`` deletes uploads never attached to a status after
``ROOST_MEDIA_UNATTACHED_HOURS`` (24 by default); run it from cron (hourly
is plenty). Their files are removed by ``delete_blobs`` jobs, which the
command runs itself before it exits (with workers running, they may take
them first).
"""

from __future__ import annotations

import asyncio

import click

from roost.config import Settings


async def _sweep(settings: Settings, hours: float) -> int:
    from roost.media.service import sweep_unattached
    from roost.services import build_services

    services = build_services(settings)
    await services.start()
    try:
        removed = await sweep_unattached(services, older_than_hours=hours)
        await services.jobs.run_pending()
        return removed
    finally:
        await services.close()


@click.group()
def media() -> None:
    """Media files: sweep unattached uploads."""


@media.command()
@click.option(
    "--hours",
    type=float,
    default=None,
    help="Age of the unattached uploads to delete (default: ROOST_MEDIA_UNATTACHED_HOURS).",
)
def sweep(hours: float | None) -> None:
    """Delete uploads never attached to a status, and their files."""
    settings = Settings.from_env()
    age = settings.media_unattached_hours if hours is None else hours
    removed = asyncio.run(_sweep(settings, age))
    click.echo(f"{removed} unattached uploads deleted")
