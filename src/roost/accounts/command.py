"""`roost create-admin`: make an administrator account from the command line."""

from __future__ import annotations

import asyncio

import click

from roost.config import Settings


async def _create_admin(settings: Settings, username: str, email: str, password: str) -> int:
    from roost.accounts.service import create_account
    from roost.db.migrate import migrate
    from roost.services import build_services

    services = build_services(settings)
    try:
        # A fresh install may not have been migrated yet.
        await migrate(services.db.engine)
        return await create_account(
            services, username=username, email=email, password=password, is_admin=True
        )
    finally:
        await services.close()


@click.command("create-admin")
@click.option("--username", required=True, help="Login name (letters, digits, underscores).")
@click.option("--email", required=True, help="Email address, also usable to log in.")
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help="Password (prompted for when not given).",
)
def create_admin(username: str, email: str, password: str) -> None:
    """Create an administrator account."""
    from roost.kernel.errors import DomainError

    settings = Settings.from_env()
    if settings.is_sqlite:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    try:
        account_id = asyncio.run(_create_admin(settings, username, email, password))
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"created admin @{username} (id {account_id})")
