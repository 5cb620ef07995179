"""`roost push status`: how Web Push delivery is going, for operators."""

from __future__ import annotations

import asyncio
from typing import Any

import click

from roost.config import Settings
from roost.infra.webpush import audience


async def _status(settings: Settings, limit: int) -> tuple[tuple[int, int, int, int], list[Any]]:
    from roost.push import store
    from roost.services import build_services

    services = build_services(settings)
    try:
        async with services.db.read(primary=True) as conn:
            return await store.totals(conn), list(await store.failing_subscriptions(conn, limit))
    finally:
        await services.close()


def _rate(failed: int, delivered: int) -> str:
    attempts = failed + delivered
    return "-" if attempts == 0 else f"{100 * failed / attempts:.1f}%"


@click.group("push")
def push() -> None:
    """Web Push delivery: subscriptions and their failures."""


@push.command("status")
@click.option("--limit", default=20, show_default=True, help="Failing subscriptions listed.")
def status(limit: int) -> None:
    """Totals, then the subscriptions whose pushes failed, worst first."""
    (count, failing, failed, delivered), rows = asyncio.run(_status(Settings.from_env(), limit))
    click.echo(
        f"{count} subscriptions, {failing} failing now; {delivered} pushes delivered, "
        f"{failed} failed attempts ({_rate(failed, delivered)} of attempts failed)"
    )
    for row in rows:
        when = row.last_failure_at.isoformat(timespec="seconds") if row.last_failure_at else "-"
        rate = _rate(row.failures_total, row.deliveries_total)
        click.echo(
            f"subscription {row.id} account {row.account_id} {audience(row.endpoint)}: "
            f"{row.failures} in a row, {row.failures_total} failed / "
            f"{row.deliveries_total} delivered ({rate}), "
            f"last {when}: {row.last_error or '-'}"
        )


@push.command("keys")
def keys() -> None:
    """Print a new VAPID key pair as ROOST_VAPID_* settings (changes nothing)."""
    from roost.infra.webpush import generate_vapid_keys

    pair = generate_vapid_keys()
    click.echo(f"ROOST_VAPID_PUBLIC_KEY={pair.public_key}")
    click.echo(f"ROOST_VAPID_PRIVATE_KEY={pair.private_key}")
