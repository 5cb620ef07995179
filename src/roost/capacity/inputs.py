"""Where the model's inputs come from: defaults, options and a bench result.

`roost bench` writes a ``capacity`` section in its JSON result: what one
app server process sustained on the home-timeline read, on posting, and how
many fan-out inserts one worker process made per second. Those replace the
stated per-core defaults, so the estimate uses the operator's own hardware.
The file is read through ``roost.capacity.results``, the schema the bench
writes it with. A `roost bench media` result supplies the bytes stored per
photo and the photos a worker processes per second.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from roost.capacity.model import Scale, Throughput
from roost.capacity.results import capacity_figures, decode_result

HELP: dict[str, str] = {
    "daily_active_users": "Daily active users.",
    "posts_per_user_per_day": "Statuses posted per active user per day.",
    "timeline_reads_per_user_per_day": "Home timeline reads per active user per day.",
    "followers_per_post": "Home timelines each post is delivered to.",
    "peak_factor": "Peak rate over the daily average.",
    "text_bytes": "Average status text, bytes.",
    "metadata_bytes": "Status row without its text, bytes.",
    "index_bytes": "Index entries per status, bytes.",
    "media_share": "Share of statuses with media (0-1).",
    "media_bytes": "Average media per status with media, bytes.",
    "replication_factor": "Copies of every stored byte.",
    "retention_days": "Days statuses and media are kept.",
    "timeline_length": "Ids kept per cached home timeline.",
    "timeline_entry_bytes": "Bytes per id in a cached timeline.",
    "timeline_overhead_bytes": "Fixed bytes per cached timeline.",
    "page_size": "Statuses per timeline page.",
    "status_json_bytes": "Bytes of one status in an API response.",
    "media_fetch_share": "Share of displayed media clients download (0-1).",
    "post_request_bytes": "Bytes of a post request without media.",
    "timeline_reads_per_core": "Home timeline reads/s one app process sustains.",
    "posts_per_core": "Posts/s one app process sustains.",
    "fanout_inserts_per_core": "Timeline inserts/s one worker process makes.",
    "photos_per_core": "Photos/s one worker process makes ready.",
    "cores_per_server": "Cores per app server.",
    "utilization": "Planned share of capacity in use at peak (0-1).",
    "cache_node_memory_gb": "Memory per cache node, GB.",
    "cache_memory_usable": "Share of a cache node's memory for data (0-1).",
    "cache_ops_per_node": "Operations/s one cache node sustains.",
    "cache_replicas": "Copies of each cached timeline.",
}


def option_fields() -> list[dataclasses.Field[Any]]:
    """Every tunable input of Scale and Throughput (``source`` is not one)."""
    return [
        field
        for cls in (Scale, Throughput)
        for field in dataclasses.fields(cls)
        if field.name != "source"
    ]


def throughput_from_bench(data: bytes | str) -> dict[str, float]:
    """The per-core figures in a `roost bench` result (only those it measured).

    Worked out again from the result's runs when it has them, so that a file
    written by an older `roost bench` is read with today's rules; else the
    figures the bench stored."""
    result = decode_result(data)
    section = capacity_figures(result.results) if result.results else result.capacity
    if section is None:
        raise ValueError("the file has no 'capacity' section (is it a `roost bench` result?)")
    found = section.per_core()
    if not found:
        raise ValueError("the 'capacity' section holds no per-core throughput")
    return found


def media_from_bench(data: bytes | str) -> tuple[dict[str, Any], dict[str, float]]:
    """What a `roost bench media` result measured: the bytes stored per photo
    (original and preview: the model's ``media_bytes``, a status with one
    photo) and the photos one worker made ready per second."""
    document = json.loads(data)
    if not isinstance(document, dict) or document.get("kind") != "media":
        raise ValueError("not a `roost bench media` result")
    results = document.get("results")
    if not isinstance(results, dict):
        raise ValueError("not a `roost bench media` result")
    try:
        stored = int(results["photo"]["stored_bytes_mean"])
        photos = float(results["photos_per_s_per_worker"])
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"the media result lacks {exc}") from None
    if stored <= 0 or photos <= 0:
        raise ValueError("the media result holds no measured photos")
    return {"media_bytes": stored}, {"photos_per_core": photos}


def build_inputs(
    values: dict[str, Any], bench_file: Path | None, media_file: Path | None = None
) -> tuple[Scale, Throughput]:
    """Scale and Throughput from option values (None = default), a bench
    result and a media bench result.

    An explicit option wins over the bench results, which win over the defaults.
    """
    scale_values: dict[str, Any] = {}
    throughput_values: dict[str, Any] = {}
    sources: list[str] = []
    if bench_file is not None:
        try:
            measured = throughput_from_bench(bench_file.read_bytes())
        except (ValueError, OSError) as exc:
            raise ValueError(f"{bench_file}: {exc}") from exc
        throughput_values.update(measured)
        sources.append(f"{bench_file} ({', '.join(sorted(measured))})")
    if media_file is not None:
        try:
            sizes, rates = media_from_bench(media_file.read_bytes())
        except (ValueError, OSError) as exc:
            raise ValueError(f"{media_file}: {exc}") from exc
        scale_values.update(sizes)
        throughput_values.update(rates)
        sources.append(f"{media_file} ({', '.join(sorted(sizes | rates))})")
    source = (
        "; ".join(sources) + "; other figures stated defaults" if sources else "stated defaults"
    )
    for f in dataclasses.fields(Scale):
        if values.get(f.name) is not None:
            scale_values[f.name] = values[f.name]
    for f in dataclasses.fields(Throughput):
        if f.name != "source" and values.get(f.name) is not None:
            throughput_values[f.name] = values[f.name]
    return Scale(**scale_values), Throughput(**throughput_values, source=source)
