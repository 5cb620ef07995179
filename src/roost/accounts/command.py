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


async def _decide(settings: Settings, username: str, *, approve: bool) -> None:
    from roost.accounts.approval import approve_account, reject_account
    from roost.accounts.store import find_account_id
    from roost.kernel.errors import NotFound
    from roost.services import build_services

    services = build_services(settings)
    try:
        async with services.db.read(primary=True) as conn:
            account_id = await find_account_id(conn, username.lstrip("@"))
        if account_id is None:
            raise NotFound("Account")
        if approve:
            await approve_account(services, account_id=account_id)
        else:
            await reject_account(services, account_id=account_id)
    finally:
        await services.close()


async def _pending(settings: Settings) -> list[tuple[str, str, str]]:
    from roost.admin.accounts import AccountFilter, list_admin_accounts
    from roost.kernel.paging import Page
    from roost.services import build_services

    services = build_services(settings)
    try:
        rows = await list_admin_accounts(
            services, which=AccountFilter(status="pending"), page=Page(limit=1000)
        )
    finally:
        await services.close()
    return [(r.record.username, r.record.email, r.sign_up_reason or "") for r in rows]


@click.group("accounts")
def accounts() -> None:
    """Sign-ups waiting for approval (registrations mode "approved")."""


def _run_decision(username: str, *, approve: bool) -> None:
    from roost.kernel.errors import DomainError, Forbidden

    try:
        asyncio.run(_decide(Settings.from_env(), username, approve=approve))
    except Forbidden:
        raise click.ClickException(f"@{username} is not waiting for approval") from None
    except DomainError as exc:
        raise click.ClickException(exc.message) from None


@accounts.command("approve")
@click.argument("username")
def approve(username: str) -> None:
    """Approve a pending sign-up: the account can be used at once."""
    _run_decision(username, approve=True)
    click.echo(f"approved @{username}")


@accounts.command("reject")
@click.argument("username")
def reject(username: str) -> None:
    """Reject a pending sign-up: the account is deleted."""
    _run_decision(username, approve=False)
    click.echo(f"rejected and deleted @{username}")


@accounts.command("pending")
def pending() -> None:
    """List the sign-ups waiting for approval, newest first."""
    rows = asyncio.run(_pending(Settings.from_env()))
    if not rows:
        click.echo("no sign-ups are waiting for approval")
    for username, email, reason in rows:
        click.echo(f"@{username} <{email}> {reason}".rstrip())
