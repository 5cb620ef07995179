"""The suite's terminal tables (and their Markdown, for docs/benchmarks.md)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from typing import Any

from rich.console import Console
from rich.table import Table

from roost_bench.openloop import CLIENT_LABEL
from roost_bench.stats import Spread


def _spread(raw: dict[str, Any]) -> Spread:
    return Spread(raw["median"], raw["min"], raw["max"], raw["runs"])


def _ms(summary: dict[str, Any], key: str) -> str:
    value = summary.get(key)
    return f"{value:,.1f}" if isinstance(value, int | float) else "-"


def _pair(summary: dict[str, Any]) -> str:
    return f"{_ms(summary, 'p50')}/{_ms(summary, 'p99')}"


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
    machine = document["machine"]
    console.print(
        f"\n[bold]Roost bench[/] on {machine['cpu']} ({machine['cores']} cores, "
        f"{machine['memory_gb']} GB); latency at fixed rates by the {CLIENT_LABEL}; "
        "throughput by wrk (closed loop)."
    )
    for table in report_tables(document):
        console.print(table)
    for failure in document.get("failures", []):
        console.print(f"[red]failed[/] {failure['workload']}: {failure['error']}")


def markdown_report(document: dict[str, Any]) -> str:
    """The same tables as Markdown, for docs/benchmarks.md."""
    machine = document["machine"]
    parts = [
        f"Measured on {machine['cpu']} ({machine['cores']} cores, {machine['memory_gb']} GB); "
        f"latency at fixed rates by the {CLIENT_LABEL}; throughput by wrk (closed loop)."
    ]
    for table in report_tables(document):
        parts.append(table_markdown(table))
    for failure in document.get("failures", []):
        parts.append(f"Failed: {failure['workload']}: {failure['error']}")
    return "\n\n".join(parts) + "\n"


def table_markdown(table: Table) -> str:
    """One rich table as a Markdown table under its title, caption below."""

    def cell(value: object) -> str:
        return str(value).replace("|", "\\|").replace("\n", " ")

    headers = [cell(c.header) for c in table.columns]
    columns = [[cell(v) for v in c.cells] for c in table.columns]
    lines = [f"#### {table.title}", ""] if table.title else []
    lines.append("| " + " | ".join(headers) + " |")
    lines.append("|" + "---|" * len(headers))
    for row in zip(*columns, strict=True):
        lines.append("| " + " | ".join(row) + " |")
    if table.caption:
        lines.extend(["", str(table.caption)])
    return "\n".join(lines)


def report_tables(document: dict[str, Any]) -> list[Table]:
    """One table per workload present in a result document."""
    results = document["results"]
    tables: list[Table] = []
    peer = _of(results, "peer")
    if peer:
        tables.append(peer_table(peer))
    home = _of(results, "home")
    if home:
        table = _table(
            "Home timeline read (20 statuses)",
            [
                "deployment",
                "workers",
                "jobs",
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
                    _jobs(r) if i == 0 else "",
                    _spread(r["throughput"]["rps"]).describe() if i == 0 else "",
                    _spread(ceiling["rps"]).describe() if i == 0 and ceiling else "",
                    f"{r['ceiling_share']:.0%}" if i == 0 else "",
                    _offered(point),
                    _ms(lat, "p50"),
                    _ms(lat, "p99"),
                    str(point.get("errors", 0) + (r["throughput"]["errors"] if i == 0 else 0)),
                    f"{r['bytes_per_response']:,.0f}" if i == 0 else "",
                    _rate(r.get("best_rate_within_target")) if i == 0 else "",
                )
        tables.append(table)
    mix = _of(results, "mix")
    if mix:
        table = _table(
            "Social mix (60% home, 30% user timeline, 10% posts)",
            [
                "deployment",
                "workers",
                "req/s",
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
                    _offered(point),
                    *cells,
                    str(point.get("errors", 0) + (r["throughput"]["errors"] if i == 0 else 0)),
                )
        tables.append(table)
    fanout = _of(results, "fanout")
    if fanout:
        table = _table(
            "Post and fan-out",
            [
                "deployment",
                "workers",
                "jobs",
                "burst posts/s",
                "sustained posts/s",
                "workers drain posts/s",
                "rate",
                "post p50 ms",
                "post p99 ms",
                "delay p50 ms",
                "delay p99 ms",
                "undelivered",
            ],
            caption="burst: posts/s accepted (wrk); sustained: the burst's posts over the time "
            "until its fan-out was done; workers drain: a backlog posted while the job "
            "workers were stopped, over the time they took to fan it out; delay: post "
            "acknowledged -> seen in a follower's home timeline, at fixed posting rates",
        )
        for r in fanout:
            burst = r["burst"]
            for i, run in enumerate(r["delay"] or [{}]):
                post = run.get("post", {}).get("latency_ms", {})
                delay = run.get("delay_ms", {})
                table.add_row(
                    r["deployment"] if i == 0 else "",
                    str(r["workers"]) if i == 0 else "",
                    _jobs(r) if i == 0 else "",
                    _spread(burst["throughput"]["rps"]).describe() if i == 0 else "",
                    _sustained(burst) if i == 0 else "",
                    _drained(r.get("workers_drain")) if i == 0 else "",
                    _rate(run.get("rate")),
                    _ms(post, "p50"),
                    _ms(post, "p99"),
                    _ms(delay, "p50"),
                    _ms(delay, "p99"),
                    str(run.get("undelivered", "-")),
                )
        tables.append(table)
    memory = _timeline_memory_table(home)
    if memory is not None:
        tables.append(memory)
    celebrities = _of(results, "celebrities")
    if celebrities:
        table = _table(
            "Celebrities",
            [
                "deployment",
                "workers",
                "top followers",
                "hot path",
                "stored: merged / pushed",
                "top post p50/p99 ms",
                "top delay p50/p99 ms",
                "hot delay p50/p99 ms",
                "normal post p99 ms",
                "undelivered",
                "home p99 ms: heavy / random",
            ],
            caption="top: posts of the account with the most followers alone; hot: the ten "
            "most followed accounts mixed; hot path: how the top account's posts reach "
            "timelines (read merge: followers >= ROOST_HOT_USER_THRESHOLD); stored: of the "
            "posts observers saw, those found in their stored (Redis) timelines, for "
            "read-merge authors (should be 0/n) and fanned-out ones (n/n)",
        )
        for r in celebrities:
            hot = r["hot_posts"]
            top = r.get("top_posts") or {}
            undelivered = hot["undelivered"] + top.get("undelivered", 0)
            table.add_row(
                r["deployment"],
                str(r["workers"]),
                f"{r['hot_users'][0]['followers']:,}",
                str(r["hot_users"][0].get("path", "-")),
                _checked(r.get("delivery_paths")),
                _pair(top.get("post", {}).get("latency_ms", {})),
                _pair(top.get("delay_ms", {})),
                _pair(hot["delay_ms"]),
                _ms(r["normal_posts"]["latency_ms"], "p99"),
                str(undelivered),
                f"{_ms(r['home_heavy_readers']['latency_ms'], 'p99')} / "
                f"{_ms(r['home_random_readers']['latency_ms'], 'p99')}",
            )
        tables.append(table)
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
        tables.append(table)
    return tables


def _offered(point: dict[str, Any]) -> str:
    """The fixed rate sent; when far fewer requests completed in the run's
    time (an overloaded server), the rate completed too."""
    target, achieved = point.get("target_rate"), point.get("achieved_rate", 0.0)
    if not isinstance(target, int | float) or achieved >= 0.95 * target:
        return f"{achieved:,.0f}/s"
    return f"{target:,.0f}/s (done {achieved:,.0f}/s)"


def _jobs(result: dict[str, Any]) -> str:
    return str(result.get("jobs", "in app"))


def _sustained(burst: dict[str, Any]) -> str:
    value = burst.get("sustained_posts_per_s")
    if isinstance(value, int | float):
        return f"{value:,.0f}"
    return f"not in {burst.get('drain_timeout', 0):g} s"


def _drained(drain: dict[str, Any] | None) -> str:
    if not drain:
        return "-"
    value = drain.get("posts_per_s")
    if isinstance(value, int | float):
        return f"{value:,.0f}"
    return f"not in {drain.get('drain_timeout', 0):g} s"


def _checked(paths: dict[str, dict[str, int]] | None) -> str:
    if not paths:
        return "-"
    merged, pushed = paths["read_merge"], paths["fan_out"]
    return (
        f"{merged['in_stored_timeline']}/{merged['seen']} / "
        f"{pushed['in_stored_timeline']}/{pushed['seen']}"
    )


def _timeline_memory_table(home: list[dict[str, Any]]) -> Table | None:
    rows = [r for r in home if r.get("redis_timelines")]
    if not rows:
        return None
    table = _table(
        "Redis memory per cached home timeline",
        [
            "deployment",
            "workers",
            "sampled",
            "MEMORY USAGE mean B",
            "max B",
            "ids mean (min-max)",
            "B per id",
            "used_memory growth per new timeline B",
        ],
        caption="MEMORY USAGE (SAMPLES 0) of warm home timeline keys, key and overhead "
        "included; used_memory growth over the warm-up also counts the status/account "
        "cache those reads filled (an upper bound)",
    )
    for r in rows:
        memory = r["redis_timelines"]["memory_usage"]
        growth = r["redis_timelines"]["used_memory"]
        per_id = memory.get("bytes_per_id")
        per_timeline = growth.get("per_timeline_bytes")
        table.add_row(
            r["deployment"],
            str(r["workers"]),
            str(memory.get("sampled", 0)),
            f"{memory.get('bytes_mean', 0):,.0f}",
            f"{memory.get('bytes_max', 0):,}",
            f"{memory.get('ids_mean', 0):,.0f} ({memory.get('ids_min', 0)}-"
            f"{memory.get('ids_max', 0)})",
            f"{per_id:.1f}" if per_id else "-",
            f"{per_timeline:,.0f} ({growth['created']} new)" if per_timeline is not None else "-",
        )
    return table


@dataclasses.dataclass(frozen=True)
class _PeerRow:
    """One figure of the side-by-side table."""

    label: str
    figure: Callable[[dict[str, Any]], float | None]
    form: str = "{:,.0f}"
    # A ratio of the two servers' values means something.
    ratio: bool = True
    # Throughput: the cell shows the range of the wrk runs as well.
    runs_of: str | None = None
    # A wait for a post to reach a follower (None: it timed out), and the
    # result's keys of its limit (the first one set).
    settle_limits: tuple[str, ...] = ()


def _rps(label: str, key: str) -> _PeerRow:
    return _PeerRow(label, lambda r: float(r[key]["rps"]["median"]), runs_of=key)


def _p50(label: str, key: str) -> _PeerRow:
    return _PeerRow(label, lambda r: r[key]["latency_ms"].get("p50"), "{:,.1f}")


def _settle(label: str, key: str, *limits: str) -> _PeerRow:
    return _PeerRow(
        label,
        lambda r: r["settle_seconds"].get(key),
        "{:,.2f}",
        ratio=False,
        settle_limits=(*limits, "settle_timeout_s"),
    )


def _seconds(ms: float | None) -> float | None:
    return None if ms is None else ms / 1000


_PEER_ROWS = [
    _rps("home timeline, req/s", "home"),
    _p50("home timeline p50, ms", "home"),
    _rps("user timeline, req/s", "user_timeline"),
    _p50("user timeline p50, ms", "user_timeline"),
    _rps("social mix 60/30/10, req/s", "mix"),
    _rps("posting, posts/s", "posting"),
    _p50("posting p50, ms", "posting"),
    _PeerRow(
        "post -> first follower's home p50, s",
        lambda r: _seconds(r["fanout"]["first_delay_ms"].get("p50")),
        "{:,.2f}",
    ),
    _PeerRow(
        "post -> every follower's home p99, s",
        lambda r: _seconds(r["fanout"]["delay_ms"].get("p99")),
        "{:,.2f}",
    ),
    _PeerRow(
        "undelivered (post, follower) pairs", lambda r: r["fanout"]["undelivered"], ratio=False
    ),
    _PeerRow(
        "errors (non-2xx, socket)",
        lambda r: (
            sum(r[k]["errors"] for k in ("home", "user_timeline", "mix", "posting"))
            + r["fanout"]["post"]["errors"]
        ),
        ratio=False,
    ),
    # After a set-up, the first wait has a limit of its own.
    _settle("settle before the reads, s", "reads", "setup_timeout_s"),
    _settle("settle before the delay run, s", "delay"),
    _settle("settle after the posting runs, s", "after_posting"),
]


def _peer_cell(row: _PeerRow, result: dict[str, Any]) -> str:
    if row.runs_of is not None and result[row.runs_of]["rps"]["runs"] > 1:
        rps = _spread(result[row.runs_of]["rps"])
        return f"{rps.median:,.0f} ({rps.low:,.0f}-{rps.high:,.0f})"
    value = row.figure(result)
    if value is None and row.settle_limits:
        limit = next((result[k] for k in row.settle_limits if result.get(k)), 0)
        return f"over {limit:g}"
    return "-" if value is None else row.form.format(value)


def peer_table(results: list[dict[str, Any]]) -> Table:
    """`roost bench peer`: one column per server; Roost ÷ the first other
    server when Roost was measured in the same run."""
    roost = next((r for r in results if r.get("roost")), None)
    other = next((r for r in results if not r.get("roost")), None)
    columns = ["figure", *(r["server"] for r in results)]
    if roost is not None and other is not None:
        columns.append("Roost ÷ peer")
    first = results[0]
    table = Table(
        title=f"Side by side ({first['users']} users x {first['follows_per_user']} follows x "
        f"{first['posts_per_user']} posts, through the API)",
        caption="req/s and posts/s: median (range) of the wrk runs; delays at "
        f"{first['fanout']['rate']:g} posts/s, first follower: per post, until the first of "
        f"{first['observers']} polling followers saw it",
        title_justify="left",
    )
    for i, column in enumerate(columns):
        table.add_column(column, justify="left" if i == 0 else "right")
    for row in _PEER_ROWS:
        cells = [_peer_cell(row, r) for r in results]
        if roost is not None and other is not None:
            mine, theirs = row.figure(roost), row.figure(other)
            ratio = mine / theirs if row.ratio and mine is not None and theirs else None
            cells.append("-" if ratio is None else f"{ratio:,.2f}x")
        table.add_row(row.label, *cells)
    return table
