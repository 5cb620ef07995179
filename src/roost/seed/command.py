"""`roost seed` (being built)."""

from __future__ import annotations

import click


@click.command()
def seed() -> None:
    """Load demo data (not built yet)."""
    raise click.ClickException("roost seed is not built yet")
