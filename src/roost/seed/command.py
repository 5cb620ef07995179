"""`roost seed`: load demo (or benchmark-sized) data into the configured database."""

from __future__ import annotations

import asyncio
import logging
import re
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from roost.config import Settings

if TYPE_CHECKING:
    from roost.seed.graphs import FollowGraph
    from roost.seed.loader import SeedOptions

_RANGE = re.compile(r"^\s*(\d+)\s*(?:(?:\.\.|-)\s*(\d+))?\s*$")


def parse_range(value: str) -> tuple[int, int]:
    """``"0..20"``, ``"0-20"`` or ``"5"`` -> (low, high)."""
    match = _RANGE.fullmatch(value)
    if match is None:
        raise ValueError(f"expected MIN..MAX, got {value!r}")
    low = int(match.group(1))
    high = int(match.group(2)) if match.group(2) is not None else low
    if high < low:
        raise ValueError(f"MIN must not exceed MAX in {value!r}")
    return low, high


@click.command()
@click.option(
    "--graph",
    "graph_kind",
    type=click.Choice(["reed98", "generated"]),
    default="reed98",
    show_default=True,
    help="The real socfb-Reed98 graph or a generated heavy-tailed one.",
)
@click.option(
    "--dataset",
    type=click.Path(exists=True, path_type=Path),
    default=None,
    help="socfb-Reed98 folder or .edges file (default: the copy shipped with Roost).",
)
@click.option("--users", default=10_000, show_default=True, help="Users (generated graph).")
@click.option(
    "--follows-per-user",
    default=20.0,
    show_default=True,
    help="Mean follows per user (generated graph).",
)
@click.option(
    "--celebrity-followers",
    type=int,
    default=None,
    help="Give username_0 exactly this many followers (generated graph).",
)
@click.option(
    "--posts-per-user",
    default="0..20",
    show_default=True,
    help="Random number of statuses per user, MIN..MAX.",
)
@click.option(
    "--text",
    "text_style",
    type=click.Choice(["demo", "bench"]),
    default="demo",
    show_default=True,
    help="Readable posts with #tags and @mentions, or 256 random characters.",
)
@click.option("--seed", "random_seed", default=0, show_default=True, help="Random seed.")
@click.option("--reset", is_flag=True, help="Delete ALL existing data first.")
def seed(
    graph_kind: str,
    dataset: Path | None,
    users: int,
    follows_per_user: float,
    celebrity_followers: int | None,
    posts_per_user: str,
    text_style: str,
    random_seed: int,
    reset: bool,
) -> None:
    """Migrate, then load users, follows and statuses (every account's
    password is the demo password)."""
    # Imported here: numpy and the loader are only needed by this command.
    from roost.seed.graphs import GeneratedGraph, read_reed98
    from roost.seed.loader import DEMO_PASSWORD, SeedOptions

    try:
        low, high = parse_range(posts_per_user)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--posts-per-user") from None
    graph: FollowGraph
    try:
        if graph_kind == "reed98":
            graph = read_reed98(dataset)
        else:
            graph = GeneratedGraph(
                users=users,
                follows_per_user=follows_per_user,
                seed=random_seed,
                celebrity_followers=celebrity_followers,
            )
    except (FileNotFoundError, ValueError) as exc:
        raise click.ClickException(str(exc)) from None
    options = SeedOptions(
        posts_min=low,
        posts_max=high,
        text_style="bench" if text_style == "bench" else "demo",
        seed=random_seed,
        reset=reset,
    )
    settings = Settings.from_env()
    console = Console()
    # Migration chatter would scroll the progress bars away.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    asyncio.run(_run(settings, graph, options, console))
    console.print(
        "Home timelines are not precomputed: each is rebuilt from the database on first read."
    )
    console.print(
        f"Log in as [bold]username_0[/bold] (e-mail username_0@example.com; any "
        f"username_<n> works) with the password [bold]{DEMO_PASSWORD}[/bold]."
    )


async def _run(
    settings: Settings, graph: FollowGraph, options: SeedOptions, console: Console
) -> None:
    from roost.db.migrate import migrate
    from roost.seed.loader import SeedRefused, seed_database
    from roost.services import build_services

    if settings.is_sqlite:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    services = build_services(settings)
    try:
        await migrate(services.db.engine)
        columns = (
            TextColumn("{task.description:>9}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
        )
        with Progress(*columns, console=console) as progress:
            report = await seed_database(services, graph, options, progress=progress)
    except SeedRefused as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        await services.close()
    where = settings.effective_database_url.split("@")[-1]
    stages = ", ".join(f"{k} {v:.1f}s" for k, v in report.seconds.items())
    console.print(
        f"Loaded {report.graph} into {where}: {report.users:,} accounts, "
        f"{report.follows:,} follows, {report.statuses:,} statuses, "
        f"{report.mentions:,} mentions, {report.tags:,} hashtags "
        f"in {report.total_seconds:.1f}s ({stages})."
    )
