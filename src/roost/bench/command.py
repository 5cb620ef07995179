"""`roost bench` (being built)."""

from __future__ import annotations

import click


@click.command()
def bench() -> None:
    """Run the load benchmarks (not built yet)."""
    raise click.ClickException("roost bench is not built yet")
