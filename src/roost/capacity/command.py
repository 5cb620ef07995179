"""`roost capacity` (being built)."""

from __future__ import annotations

import click


@click.command()
def capacity() -> None:
    """Back-of-the-envelope capacity estimate (not built yet)."""
    raise click.ClickException("roost capacity is not built yet")
