"""Process stalls under a read load, with the GC tuning off and on
(docs/benchmarks.md, "Process stalls (issue 16)").

Against an embedded data directory seeded beforehand (``roost seed --graph
generated ...``), each run starts ``roost serve`` with ``ROOST_GC_TUNING``
off or on (alternating, as listed in ``--runs``), reads the home timelines
of ``--readers`` users once (the cold reads fill the caches), then offers
home reads at a fixed rate for ``--duration`` seconds with the bench's
open-loop client and reports, for that window: garbage collections per
minute by generation and their time, the longest pause (the server logs
every pause and loop lag over ``ROOST_STALL_LOG_MS``), event-loop lag over
10/50 ms, slow requests, and the client's home p50/p99.

    ROOST_DATA_DIR=/tmp/d roost seed --graph generated --users 100000 --follows-per-user 25
    python scripts/profile_stalls.py --data-dir /tmp/d --runs off,on,off,on

Needs the ``bench`` extra (its HTTP client and open-loop runner).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from prometheus_client.parser import text_string_to_metric_families

from roost.config import Settings
from roost.db import schema
from roost.services import build_services
from roost_bench.http import HttpClient
from roost_bench.openloop import PlannedRequest, run_open_loop
from roost_bench.requests import Requests
from roost_bench.tokens import issue_bench_tokens

METRICS_TOKEN = "stalls-profile"
PAUSE_LINE = re.compile(
    r"garbage collection paused the process: generation (\d), ([\d.]+)ms \(cpu ([\d.]+)ms\)"
)
SETTLED_LINE = re.compile(r"garbage collector settled \((.+?)\): (\d+) objects frozen, ([\d.]+)ms")


async def _tokens(data_dir: Path, readers: int, seed: int) -> list[str]:
    """Tokens of ``readers`` accounts that follow someone, made once and kept."""
    kept = data_dir / f"stalls-tokens-{readers}-{seed}.json"
    if kept.exists():
        tokens: list[str] = json.loads(kept.read_text())
        return tokens
    services = build_services(Settings(data_dir=data_dir, gc_tuning=False))
    try:
        async with services.db.read() as conn:
            rows = await conn.execute(sa.select(schema.follows.c.account_id).distinct())
            followers = sorted(r[0] for r in rows)
        chosen = random.Random(seed).sample(followers, readers)
        tokens = await issue_bench_tokens(services, chosen)
    finally:
        await services.close()
    kept.write_text(json.dumps(tokens))
    return tokens


def _scrape(port: int) -> dict[str, dict[tuple[tuple[str, str], ...], float]]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        text = answer.read().decode()
    samples: dict[str, dict[tuple[tuple[str, str], ...], float]] = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name.startswith(("roost_gc_pause", "roost_event_loop_lag")):
                samples.setdefault(s.name, {})[tuple(sorted(s.labels.items()))] = s.value
    return samples


def _delta(
    after: dict[str, dict[tuple[tuple[str, str], ...], float]],
    before: dict[str, dict[tuple[tuple[str, str], ...], float]],
    name: str,
    **labels: str,
) -> float:
    key = tuple(sorted(labels.items()))
    return after.get(name, {}).get(key, 0.0) - before.get(name, {}).get(key, 0.0)


async def _cold_reads(port: int, tokens: list[str]) -> float:
    client = HttpClient(f"http://127.0.0.1:{port}", max_connections=8, timeout=60)
    requests = Requests(client.hostport, tokens)
    queue = list(range(len(tokens)))
    started = time.perf_counter()

    async def worker() -> None:
        while queue:
            await client.send_raw(requests.home(queue.pop(), limit=20))

    try:
        await asyncio.gather(*(worker() for _ in range(8)))
    finally:
        await client.close()
    return time.perf_counter() - started


async def _measure(port: int, tokens: list[str], rate: float, duration: float) -> dict[str, Any]:
    client = HttpClient(f"http://127.0.0.1:{port}", max_connections=64, timeout=30)
    requests = Requests(client.hostport, tokens)
    rng = random.Random(7)

    def next_request() -> PlannedRequest:
        return PlannedRequest("home", requests.home(rng.randrange(len(tokens)), limit=20))

    try:
        result = await run_open_loop(
            client, rate=rate, duration=duration, next_request=next_request
        )
    finally:
        await client.close()
    return result.summary()


def _wait_ready(port: int, server: subprocess.Popen[bytes]) -> None:
    for _ in range(600):
        if server.poll() is not None:
            raise SystemExit(f"server exited with {server.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    raise SystemExit("server not ready")


def one_run(args: argparse.Namespace, tuning: str, tokens: list[str], index: int) -> dict[str, Any]:
    log_path = args.data_dir / f"stalls-run-{index}-{tuning}.log"
    env = dict(
        os.environ,
        ROOST_DATA_DIR=str(args.data_dir),
        ROOST_GC_TUNING="true" if tuning == "on" else "false",
        ROOST_METRICS_TOKEN=METRICS_TOKEN,
        ROOST_SLOW_REQUEST_MS=str(args.slow_ms),
        ROOST_STALL_LOG_MS=str(args.stall_log_ms),
        ROOST_RATE_LIMITS="false",
    )
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "roost", "serve", "--port", str(args.port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    started = time.monotonic()
    try:
        _wait_ready(args.port, server)
        at_start = _scrape(args.port)
        cold_seconds = asyncio.run(_cold_reads(args.port, tokens))
        # Past the warm-up settle (a minute after start) when tuning is on.
        time.sleep(max(0.0, args.settle_wait - (time.monotonic() - started)))
        before = _scrape(args.port)
        offset = log_path.stat().st_size
        load = os.getloadavg()[0]
        client = asyncio.run(_measure(args.port, tokens, args.rate, args.duration))
        time.sleep(1.0)
        after = _scrape(args.port)
    finally:
        server.terminate()
        server.wait(timeout=60)
    text = log_path.read_bytes()
    window = text[offset:].decode(errors="replace")
    pauses = [(int(g), float(ms), float(cpu)) for g, ms, cpu in PAUSE_LINE.findall(window)]
    every_pause = [
        (int(g), float(ms), float(cpu)) for g, ms, cpu in PAUSE_LINE.findall(text.decode("latin-1"))
    ]
    minutes = args.duration / 60.0
    gc = {
        str(g): {
            "per_minute": _delta(after, before, "roost_gc_pause_seconds_count", generation=str(g))
            / minutes,
            "ms_per_minute": 1000
            * _delta(after, before, "roost_gc_pause_seconds_sum", generation=str(g))
            / minutes,
        }
        for g in range(3)
    }
    lag_count = _delta(after, before, "roost_event_loop_lag_seconds_count")
    lag_over = {
        f"over_{ms}ms": lag_count
        - _delta(after, before, "roost_event_loop_lag_seconds_bucket", le=str(ms / 1000))
        for ms in (10, 50)
    }
    return {
        "tuning": tuning,
        "load_average": load,
        "cold_reads_s": round(cold_seconds, 1),
        "settled": SETTLED_LINE.findall(text.decode(errors="replace")),
        "gc": gc,
        "max_pause_ms": {
            str(g): max([ms for gen, ms, _ in pauses if gen == g], default=0.0) for g in range(3)
        },
        "max_pause_cpu_ms": {
            str(g): max([cpu for gen, _, cpu in pauses if gen == g], default=0.0) for g in range(3)
        },
        "loop_lag": {"ticks": lag_count, **lag_over},
        # From ready to the end (the cold reads and the warm-up settle too).
        "whole_run": {
            str(g): {
                "collections": _delta(
                    after, at_start, "roost_gc_pause_seconds_count", generation=str(g)
                ),
                "ms": 1000
                * _delta(after, at_start, "roost_gc_pause_seconds_sum", generation=str(g)),
                "max_ms": max([ms for gen, ms, _ in every_pause if gen == g], default=0.0),
                "max_cpu_ms": max([c for gen, _, c in every_pause if gen == g], default=0.0),
            }
            for g in range(3)
        },
        "slow_requests": window.count("slow request: "),
        "client": {
            "achieved_rate": client["achieved_rate"],
            "errors": client["errors"],
            "latency_ms": client["latency_ms"],
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--runs", default="off,on,off,on", help="GC tuning per run, in order")
    parser.add_argument("--readers", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--port", type=int, default=18_016)
    parser.add_argument("--slow-ms", type=float, default=50.0)
    parser.add_argument("--stall-log-ms", type=float, default=5.0)
    parser.add_argument("--settle-wait", type=float, default=70.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    tokens = asyncio.run(_tokens(args.data_dir, args.readers, args.seed))
    results = []
    for index, tuning in enumerate(args.runs.split(",")):
        result = one_run(args, tuning.strip(), tokens, index)
        print(json.dumps(result), flush=True)
        results.append(result)
    if args.out is not None:
        args.out.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
