"""The suite's terminal tables and the per-core figures `roost capacity` reads."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rich.console import Console
from rich.table import Table

from roost.bench.openloop import CLIENT_LABEL
from roost.bench.stats import Spread

DELAY_TARGET_MS = 1_000.0


def _spread(raw: dict[str, Any]) -> Spread:
    return Spread(raw["median"], raw["min"], raw["max"], raw["runs"])


def _ms(summary: dict[str, Any], key: str) -> str:
    value = summary.get(key)
    return f"{value:,.1f}" if isinstance(value, int | float) else "-"


def _rate(value: object) -> str:
    return f"{value:,.0f}/s" if isinstance(value, int | float) else "none"


def _of(results: Iterable[dict[str, Any]], workload: str) -> list[dict[str, Any]]:
    return [r for r in results if r.get("workload") == workload]


def _table(title: str, columns: list[str], caption: str | None = None) -> Table:
    table = Table(title=title, caption=caption, title_justify="left")
    for i, column in enumerate(columns):
        table.add_column(column, justify="left" if i < 2 else "right")
    return table


def print_report(console: Console, document: dict[str, Any]) -> None:
    results = document["results"]
    machine = document["machine"]
    console.print(
        f"\n[bold]Roost bench[/] on {machine['cpu']} ({machine['cores']} cores, "
        f"{machine['memory_gb']} GB); latency at fixed rates by the {CLIENT_LABEL}; "
        "throughput by wrk (closed loop)."
    )
    home = _of(results, "home")
    if home:
        table = _table(
            "Home timeline read (20 statuses)",
            [
                "deployment",
                "workers",
                "req/s",
                "ceiling req/s",
                "share",
                "rate",
                "p50 ms",
                "p99 ms",
                "errors",
                "bytes/resp",
                "p99<25ms up to",
            ],
            caption="share: Roost ÷ bare Starlette page of 20 statuses, same server and workers; "
            "last column: highest fixed rate measured whose p99 stayed under 25 ms",
        )
        for r in home:
            ceiling = document["ceilings"].get(str(r["workers"]), {})
            for i, point in enumerate(r["open_loop"] or [{}]):
                lat = point.get("latency_ms", {})
                table.add_row(
                    r["deployment"] if i == 0 else "",
                    str(r["workers"]) if i == 0 else "",
                    _spread(r["throughput"]["rps"]).describe() if i == 0 else "",
                    _spread(ceiling["rps"]).describe() if i == 0 and ceiling else "",
                    f"{r['ceiling_share']:.0%}" if i == 0 else "",
                    f"{point.get('achieved_rate', 0):,.0f}/s",
                    _ms(lat, "p50"),
                    _ms(lat, "p99"),
                    str(point.get("errors", 0) + (r["throughput"]["errors"] if i == 0 else 0)),
                    f"{r['bytes_per_response']:,.0f}" if i == 0 else "",
                    _rate(r.get("best_rate_within_target")) if i == 0 else "",
                )
        console.print(table)
    mix = _of(results, "mix")
    if mix:
        table = _table(
            "Social mix (60% home, 30% user timeline, 10% posts)",
            [
                "deployment",
                "workers",
                "req/s",
                "share",
                "rate",
                "home p50/p95/p99",
                "user p50/p95/p99",
                "post p50/p95/p99",
                "errors",
            ],
        )
        for r in mix:
            for i, point in enumerate(r["open_loop"] or [{}]):
                kinds = point.get("by_kind", {})
                cells = []
                for kind in ("home", "user", "post"):
                    lat = kinds.get(kind, {}).get("latency_ms", {})
                    cells.append("/".join(_ms(lat, p) for p in ("p50", "p95", "p99")))
                table.add_row(
                    r["deployment"] if i == 0 else "",
                    str(r["workers"]) if i == 0 else "",
                    _spread(r["throughput"]["rps"]).describe() if i == 0 else "",
                    f"{r['ceiling_share']:.0%}" if i == 0 and r.get("ceiling_share") else "",
                    f"{point.get('achieved_rate', 0):,.0f}/s",
                    *cells,
                    str(point.get("errors", 0) + (r["throughput"]["errors"] if i == 0 else 0)),
                )
        console.print(table)
    fanout = _of(results, "fanout")
    if fanout:
        table = _table(
            "Post and fan-out",
            [
                "deployment",
                "workers",
                "posts/s",
                "post p50 ms",
                "post p99 ms",
                "delay p50 ms",
                "delay p99 ms",
                "undelivered",
                "burst posts/s",
                "burst drained",
            ],
            caption="delay: post acknowledged -> seen in a follower's home timeline",
        )
        for r in fanout:
            burst = r["burst"]
            for i, run in enumerate(r["delay"]):
                post = run["post"]["latency_ms"]
                drained = burst["drain_seconds"]
                table.add_row(
                    r["deployment"] if i == 0 else "",
                    str(r["workers"]) if i == 0 else "",
                    f"{run['rate']:,.0f}",
                    _ms(post, "p50"),
                    _ms(post, "p99"),
                    _ms(run["delay_ms"], "p50"),
                    _ms(run["delay_ms"], "p99"),
                    str(run["undelivered"]),
                    _spread(burst["throughput"]["rps"]).describe() if i == 0 else "",
                    (f"{drained:.1f} s" if drained is not None else "no") if i == 0 else "",
                )
        console.print(table)
    celebrities = _of(results, "celebrities")
    if celebrities:
        table = _table(
            "Celebrities",
            [
                "deployment",
                "workers",
                "top followers",
                "hot post p99 ms",
                "normal post p99 ms",
                "hot delay p50/p99 ms",
                "undelivered",
                "home p99 ms: heavy / random",
            ],
        )
        for r in celebrities:
            hot = r["hot_posts"]
            table.add_row(
                r["deployment"],
                str(r["workers"]),
                f"{r['hot_users'][0]['followers']:,}",
                _ms(hot["post"]["latency_ms"], "p99"),
                _ms(r["normal_posts"]["latency_ms"], "p99"),
                f"{_ms(hot['delay_ms'], 'p50')}/{_ms(hot['delay_ms'], 'p99')}",
                str(hot["undelivered"]),
                f"{_ms(r['home_heavy_readers']['latency_ms'], 'p99')} / "
                f"{_ms(r['home_random_readers']['latency_ms'], 'p99')}",
            )
        console.print(table)
    scale = _of(results, "scale")
    if scale:
        table = _table(
            "Scale",
            [
                "deployment",
                "statuses",
                "users",
                "follows",
                "load s",
                "db MB",
                "home p50/p99",
                "user p50/p99",
                "search p50/p99",
            ],
        )
        for r in scale:
            data, storage = r["data"], r.get("storage_after", r["storage"])
            cells = []
            for kind in ("home", "user", "search"):
                lat = r[kind].get("latency_ms")
                cells.append(
                    f"{_ms(lat, 'p50')}/{_ms(lat, 'p99')}" if lat else str(r[kind].get("pending"))
                )
            db = storage.get("database_bytes")
            table.add_row(
                r["deployment"],
                f"{data['statuses']:,}",
                f"{data['users']:,}",
                f"{data['follows']:,}",
                f"{data['load_total_seconds']:.1f}",
                f"{db / 1e6:,.0f}" if db else "-",
                *cells,
            )
        console.print(table)
    for failure in document.get("failures", []):
        console.print(f"[red]failed[/] {failure['workload']}: {failure['error']}")


def capacity_figures(results: list[dict[str, Any]]) -> dict[str, Any]:
    """Per-process throughput for `roost capacity`, from the best measured runs."""
    figures: dict[str, Any] = {}
    reads = [r["throughput"]["rps"]["median"] / r["workers"] for r in _of(results, "home")]
    if reads:
        figures["timeline_reads_per_core"] = max(reads)
    posts = [
        r["burst"]["throughput"]["rps"]["median"] / r["workers"]
        for r in _of(results, "fanout")
        if r["burst"]["throughput"]["errors"] == 0
    ]
    if posts:
        figures["posts_per_core"] = max(posts)
    inserts = [
        run["rate"] * run["mean_followers"] / r["workers"]
        for r in _of(results, "fanout")
        for run in r["delay"]
        if run["undelivered"] == 0 and run["delay_ms"].get("p99", float("inf")) < DELAY_TARGET_MS
    ]
    if inserts:
        # A lower bound: the highest posting rate whose delivery kept up.
        figures["fanout_inserts_per_core"] = max(inserts)
    figures["note"] = (
        "per app server process: home reads/s (wrk max), posts/s (burst), fan-out inserts/s "
        "(highest fixed posting rate delivered with p99 under 1 s, a lower bound)"
    )
    return figures
