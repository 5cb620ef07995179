"""The back-of-the-envelope model behind `roost capacity`.

Pure arithmetic: a scale (``Scale``) and the measured or assumed throughput
of one core (``Throughput``) give a list of ``Figure``s, each carrying the
formula it came from with the numbers filled in, so that every figure can be
checked by hand.

The defaults reproduce Twitter's published 2012-2013 scale: 150M daily
active users posting 2.88 statuses a day (5,000 posts/s on average, 12,000
at a 2.4x peak) and reading 172.8 timelines a day (300,000 timeline reads/s
on average); 30 billion timeline deliveries a day for 432M posts a day is
about 75 followers reached per post.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from roost.capacity.formula import count, evaluate, human_bytes, parse, render

SECONDS_PER_DAY = 86_400
BYTES_PER_GB = 1_000_000_000


@dataclasses.dataclass(frozen=True, slots=True)
class Scale:
    """What the service must carry. Sizes in bytes."""

    daily_active_users: int = 150_000_000
    posts_per_user_per_day: float = 2.88
    timeline_reads_per_user_per_day: float = 172.8
    # Home-timeline deliveries per post (followers whose timeline is cached).
    followers_per_post: float = 75.0
    peak_factor: float = 2.4
    text_bytes: int = 140
    # Status row without its text: ids, author, times, flags, counters.
    metadata_bytes: int = 200
    # Every index entry a status adds (primary key, author, visibility, ...).
    index_bytes: int = 120
    media_share: float = 0.10
    media_bytes: int = 300_000
    replication_factor: int = 3
    retention_days: int = 5 * 365
    timeline_length: int = 800
    # One id in a cached timeline, and each timeline's fixed cost (key,
    # allocator rounding): Roost's packed Redis string measures ~7,200 bytes
    # for 800 ids.
    timeline_entry_bytes: int = 8
    timeline_overhead_bytes: int = 800
    page_size: int = 20
    # One status in an API response (hydrated JSON with its author).
    status_json_bytes: int = 1_500
    # Share of the media shown in timelines that clients actually download.
    media_fetch_share: float = 0.05
    post_request_bytes: int = 1_000

    def __post_init__(self) -> None:
        _check_inputs(self, shares=("media_share", "media_fetch_share"))


@dataclasses.dataclass(frozen=True, slots=True)
class Throughput:
    """What one core (one app or worker process) sustains, and the hardware."""

    timeline_reads_per_core: float = 2_000.0
    posts_per_core: float = 500.0
    fanout_inserts_per_core: float = 50_000.0
    # Photos one worker process makes ready per second (decode, resize,
    # preview, blurhash, store): `roost bench media` measures it.
    photos_per_core: float = 2.0
    cores_per_server: int = 16
    # Plan for this share of each machine's capacity, keeping headroom.
    utilization: float = 0.6
    cache_node_memory_gb: float = 64.0
    cache_memory_usable: float = 0.7
    cache_ops_per_node: float = 200_000.0
    cache_replicas: int = 2
    source: str = "stated defaults"

    def __post_init__(self) -> None:
        _check_inputs(
            self,
            shares=("utilization", "cache_memory_usable"),
            positive=(
                "timeline_reads_per_core",
                "posts_per_core",
                "fanout_inserts_per_core",
                "photos_per_core",
                "cores_per_server",
                "utilization",
                "cache_node_memory_gb",
                "cache_memory_usable",
                "cache_ops_per_node",
            ),
        )


def _check_inputs(
    inputs: Scale | Throughput, *, shares: tuple[str, ...] = (), positive: tuple[str, ...] = ()
) -> None:
    """No negative sizes or rates, shares within 0..1, divisors above 0."""
    for field in dataclasses.fields(inputs):
        value = getattr(inputs, field.name)
        if isinstance(value, str):
            continue
        if value < 0:
            raise ValueError(f"{field.name} must not be negative")
        if field.name in shares and value > 1:
            raise ValueError(f"{field.name} is a share: 0 to 1")
        if field.name in positive and value == 0:
            raise ValueError(f"{field.name} must be above 0")


@dataclasses.dataclass(frozen=True, slots=True)
class Figure:
    group: str
    key: str
    label: str
    value: float
    unit: str
    # The expression with names, then with the numbers put in.
    formula: str


# (group, key, label, unit, expression): each expression may name any input
# of Scale or Throughput, the constants above, and every earlier key.
FIGURES: tuple[tuple[str, str, str, str, str], ...] = (
    ("rates", "posts_per_day", "posts per day", "posts",
     "daily_active_users * posts_per_user_per_day"),
    ("rates", "posts_avg", "posts/s, average", "req/s", "posts_per_day / seconds_per_day"),
    ("rates", "posts_peak", "posts/s, peak", "req/s", "posts_avg * peak_factor"),
    ("rates", "reads_per_day", "timeline reads per day", "reads",
     "daily_active_users * timeline_reads_per_user_per_day"),
    ("rates", "reads_avg", "timeline reads/s, average", "req/s",
     "reads_per_day / seconds_per_day"),
    ("rates", "reads_peak", "timeline reads/s, peak", "req/s", "reads_avg * peak_factor"),
    ("rates", "fanout_avg", "fan-out inserts/s, average", "inserts/s",
     "posts_avg * followers_per_post"),
    ("rates", "fanout_peak", "fan-out inserts/s, peak", "inserts/s", "fanout_avg * peak_factor"),
    ("storage", "text_per_day", "text per day", "bytes", "posts_per_day * text_bytes"),
    ("storage", "metadata_per_day", "metadata per day", "bytes",
     "posts_per_day * metadata_bytes"),
    ("storage", "index_per_day", "indexes per day", "bytes", "posts_per_day * index_bytes"),
    ("storage", "media_per_day", "media per day", "bytes",
     "posts_per_day * media_share * media_bytes"),
    ("storage", "stored_per_day", "stored per day, replicated", "bytes",
     "(text_per_day + metadata_per_day + index_per_day + media_per_day) * replication_factor"),
    ("storage", "stored_retention", "stored over the retention", "bytes",
     "stored_per_day * retention_days"),
    ("network", "bandwidth_in", "inbound, average", "bytes/s",
     "posts_avg * (post_request_bytes + media_share * media_bytes)"),
    ("network", "bandwidth_in_peak", "inbound, peak", "bytes/s", "bandwidth_in * peak_factor"),
    ("network", "api_out", "outbound API JSON, average", "bytes/s",
     "reads_avg * page_size * status_json_bytes"),
    ("network", "media_out", "outbound media, average", "bytes/s",
     "reads_avg * page_size * media_share * media_fetch_share * media_bytes"),
    ("network", "bandwidth_out_peak", "outbound, peak", "bytes/s",
     "(api_out + media_out) * peak_factor"),
    ("timeline cache", "timeline_bytes", "one cached home timeline", "bytes",
     "timeline_length * timeline_entry_bytes + timeline_overhead_bytes"),
    ("timeline cache", "timeline_cache", "timelines of every active user", "bytes",
     "daily_active_users * timeline_bytes"),
    ("machines", "app_cores", "app server cores (processes) at peak", "cores",
     "ceil((reads_peak / timeline_reads_per_core + posts_peak / posts_per_core) / utilization)"),
    ("machines", "app_servers", "app servers", "servers", "ceil(app_cores / cores_per_server)"),
    ("machines", "workers", "fan-out worker processes", "processes",
     "ceil(fanout_peak / fanout_inserts_per_core / utilization)"),
    ("machines", "media_workers", "media worker processes (photos)", "processes",
     "ceil(posts_peak * media_share / photos_per_core / utilization)"),
    ("machines", "cache_nodes_memory", "cache nodes for memory", "nodes",
     "ceil(timeline_cache * cache_replicas"
     " / (cache_node_memory_gb * bytes_per_gb * cache_memory_usable))"),
    ("machines", "cache_nodes_ops", "cache nodes for operations", "nodes",
     "ceil((reads_peak + fanout_peak) / (cache_ops_per_node * utilization))"),
    ("machines", "cache_nodes", "cache nodes", "nodes", "max(cache_nodes_memory, cache_nodes_ops)"),
)  # fmt: skip


def estimate(scale: Scale, throughput: Throughput) -> list[Figure]:
    """Every figure of the estimate, in reading order."""
    names: dict[str, float] = {
        "seconds_per_day": SECONDS_PER_DAY,
        "bytes_per_gb": BYTES_PER_GB,
    }
    for inputs in (scale, throughput):
        for field in dataclasses.fields(inputs):
            value = getattr(inputs, field.name)
            if isinstance(value, int | float):
                names[field.name] = value
    units: dict[str, str] = {}
    figures: list[Figure] = []
    for group, key, label, unit, expression in FIGURES:
        tree = parse(expression)
        value = evaluate(tree, names)
        numbers = render(tree, lambda name: _number(names[name], units.get(name)))
        formula = f"{render(tree, str)} = {numbers}"
        figures.append(Figure(group, key, label, value, unit, formula))
        names[key] = value
        units[key] = unit
    return figures


def by_key(figures: list[Figure]) -> Mapping[str, Figure]:
    return {f.key: f for f in figures}


def _number(value: float, unit: str | None) -> str:
    if unit == "bytes" and abs(value) >= 1e6:
        return human_bytes(value)
    if unit == "bytes/s" and abs(value) >= 1e6:
        return f"{human_bytes(value)}/s"
    return count(value)


def show(figure: Figure) -> str:
    """The figure's value for a table: bytes humanized, rates and counts plain."""
    if figure.unit == "bytes":
        return human_bytes(figure.value)
    if figure.unit == "bytes/s":
        return f"{human_bytes(figure.value)}/s ({figure.value * 8 / 1e9:,.2f} Gbit/s)"
    if figure.unit in ("servers", "processes", "nodes", "cores"):
        return f"{figure.value:,.0f} {figure.unit}"
    return f"{count(round(figure.value, 1))} {figure.unit}"
