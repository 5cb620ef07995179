"""`roost worker` (being built)."""

from __future__ import annotations

import click


@click.command()
def worker() -> None:
    """Run background jobs in this process (not built yet)."""
    raise click.ClickException("roost worker is not built yet")
