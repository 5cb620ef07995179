"""`roost capacity`: the back-of-the-envelope estimate for a target scale."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from roost.capacity.inputs import HELP, build_inputs, option_fields
from roost.capacity.model import Figure, Scale, Throughput, estimate, show


def _add_input_options(command: click.Command) -> click.Command:
    """One option per model input (``--daily-active-users`` ...), default None."""
    for field in option_fields():
        default = field.default
        kind = int if isinstance(default, int) else float
        name = field.name.replace("_", "-")
        command.params.append(
            click.Option(
                [f"--{name}", field.name],
                type=kind,
                default=None,
                help=f"{HELP.get(field.name, '')} [default: {default:,}]",
            )
        )
    return command


def _document(scale: Scale, throughput: Throughput, figures: list[Figure]) -> dict[str, Any]:
    return {
        "inputs": {
            "scale": dataclasses.asdict(scale),
            "throughput": dataclasses.asdict(throughput),
        },
        "figures": [dataclasses.asdict(f) for f in figures],
    }


def _print(throughput: Throughput, figures: list[Figure]) -> None:
    console = Console()
    if not console.is_terminal:
        # Piped output has no width to fit: keep each formula on one line.
        console = Console(width=200)
    table = Table(
        title="Capacity estimate",
        caption=f"per-core throughput: {throughput.source}",
        show_lines=False,
    )
    table.add_column("group", style="dim")
    table.add_column("figure")
    table.add_column("value", justify="right", style="bold")
    table.add_column("formula", overflow="fold")
    group = ""
    for f in figures:
        table.add_row(f.group if f.group != group else "", f.label, show(f), f.formula)
        group = f.group
    console.print(table)


@click.command()
@click.option(
    "--bench-result",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="A `roost bench` JSON result: its per-core throughput replaces the defaults.",
)
@click.option(
    "--media-result",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="A `roost bench media` JSON result: its stored bytes per photo and photos "
    "processed per second replace the defaults.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the inputs and figures as JSON.")
def _capacity(
    bench_result: Path | None, media_result: Path | None, as_json: bool, **values: Any
) -> None:
    """Back-of-the-envelope capacity for a target scale (Twitter 2013 by default).

    Every figure is printed with the formula it came from.
    """
    try:
        scale, throughput = build_inputs(values, bench_result, media_result)
    except (ValueError, TypeError, json.JSONDecodeError) as exc:
        raise click.ClickException(str(exc)) from exc
    figures = estimate(scale, throughput)
    if as_json:
        click.echo(json.dumps(_document(scale, throughput, figures), indent=2))
    else:
        _print(throughput, figures)


capacity = _add_input_options(_capacity)
capacity.name = "capacity"
