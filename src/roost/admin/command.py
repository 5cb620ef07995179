"""`roost admin`: moderators' actions from the command line (the same
services as ``POST /api/v1/admin/accounts/:id/action`` and the reports API)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

import click

from roost.config import Settings

if TYPE_CHECKING:
    from roost.services import Services

T = TypeVar("T")


def _run(work: Callable[[Services], Awaitable[T]]) -> T:
    from roost.kernel.errors import DomainError
    from roost.services import build_services

    async def go() -> T:
        services = build_services(Settings.from_env())
        try:
            return await work(services)
        finally:
            await services.close()

    try:
        return asyncio.run(go())
    except DomainError as exc:
        raise click.ClickException(exc.message) from None


async def _account_id(services: Services, username: str) -> int:
    from roost.accounts.store import find_account_id
    from roost.kernel.errors import NotFound

    async with services.db.read(primary=True) as conn:
        account_id = await find_account_id(conn, username.lstrip("@"))
    if account_id is None:
        raise NotFound("Account")
    return account_id


async def _moderator_id(services: Services) -> int:
    """Actions from the command line are recorded as the first admin's."""
    from roost.instance.stats import load_instance_facts
    from roost.kernel.errors import Forbidden

    facts = await load_instance_facts(services)
    if facts.contact_account_id is None:
        raise Forbidden("No administrator account exists (roost create-admin makes one)")
    return facts.contact_account_id


@click.group("admin")
def admin() -> None:
    """Moderation: suspend, silence or disable accounts, and handle reports."""


def _action_command(action: str, done: str, doc: str) -> None:
    @admin.command(action)
    @click.argument("username")
    @click.option("--report", "report_id", type=int, default=None, help="Resolve this report.")
    def command(username: str, report_id: int | None) -> None:
        from roost.admin.actions import take_action

        async def work(services: Services) -> None:
            await take_action(
                services,
                moderator_id=await _moderator_id(services),
                account_id=await _account_id(services, username),
                action=action,
                report_id=report_id,
            )

        _run(work)
        click.echo(f"{done} @{username.lstrip('@')}")

    command.__doc__ = doc


def _undo_command(undo: str, done: str, doc: str) -> None:
    @admin.command(undo)
    @click.argument("username")
    def command(username: str) -> None:
        from roost.admin.actions import undo_action

        async def work(services: Services) -> None:
            await undo_action(services, account_id=await _account_id(services, username), undo=undo)

        _run(work)
        click.echo(f"{done} @{username.lstrip('@')}")

    command.__doc__ = doc


_action_command(
    "suspend",
    "suspended",
    "Suspend an account: no sign-in, its statuses hidden everywhere.",
)
_action_command("silence", "silenced", "Silence an account: kept out of public timelines.")
_action_command("disable", "disabled", "Disable an account's login.")
_action_command("sensitive", "marked sensitive", "Mark an account's media sensitive.")
_undo_command("unsuspend", "unsuspended", "Lift a suspension.")
_undo_command("unsilence", "unsilenced", "Lift a silence.")
_undo_command("enable", "enabled", "Re-enable a disabled login.")
_undo_command("unsensitive", "unmarked", "Stop marking an account's media sensitive.")


@admin.command("delete")
@click.argument("username")
def delete(username: str) -> None:
    """Delete a suspended account for good: its data goes (by a job), its
    name stays taken."""
    from roost.accounts.deletion import delete_suspended_account

    async def work(services: Services) -> None:
        account_id = await _account_id(services, username)
        await delete_suspended_account(services, account_id=account_id)

    _run(work)
    click.echo(f"deleted @{username.lstrip('@')} (its data goes by a job)")


@admin.command("reports")
@click.option("--resolved", is_flag=True, help="List resolved reports instead of open ones.")
def reports(resolved: bool) -> None:
    """List reports, newest first."""
    from roost.accounts.store import load_accounts
    from roost.admin.reports import ReportFilter, list_reports
    from roost.kernel.paging import Page

    async def work(services: Services) -> list[str]:
        rows = await list_reports(
            services, which=ReportFilter(resolved=resolved), page=Page(limit=200)
        )
        names = await load_accounts(
            services, {i for r in rows for i in (r.account_id, r.target_account_id)}
        )

        def name(account_id: int) -> str:
            found = names.get(account_id)
            return f"@{found.username}" if found else f"#{account_id}"

        return [
            f"{r.id} {r.created_at:%Y-%m-%d} {name(r.account_id)} reports "
            f"{name(r.target_account_id)} [{r.category}] {r.comment}".rstrip()
            for r in rows
        ]

    lines = _run(work)
    if not lines:
        click.echo("no resolved reports" if resolved else "no open reports")
    for line in lines:
        click.echo(line)


@admin.command("resolve")
@click.argument("report_id", type=int)
def resolve(report_id: int) -> None:
    """Mark a report resolved."""
    from roost.admin.reports import resolve_report

    async def work(services: Services) -> None:
        await resolve_report(
            services, report_id=report_id, moderator_id=await _moderator_id(services)
        )

    _run(work)
    click.echo(f"resolved report {report_id}")
