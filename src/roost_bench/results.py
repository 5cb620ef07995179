"""Where results go: a JSON file per run, labelled with the machine it ran on."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

DEFAULT_DIR = Path("bench-results")


def machine_info() -> dict[str, Any]:
    """Enough to tell machines apart: absolute figures only mean something with it."""
    return {
        "hostname": platform.node(),
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "memory_gb": _memory_gb(),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "wrk": _wrk_version(),
        # Other processes' load makes absolute figures noisy; say how busy it was.
        "load_average": _load_average(),
    }


def _load_average() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory_gb() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return None


def _wrk_version() -> str | None:
    try:
        out = subprocess.run(["wrk", "--version"], capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.TimeoutExpired):
        return None
    first = (out.stdout or out.stderr).splitlines()
    return first[0].strip() if first else None


def write_result(kind: str, payload: dict[str, Any], out_dir: Path = DEFAULT_DIR) -> Path:
    """Write ``payload`` plus machine and time to ``<out_dir>/<kind>-<UTC time>.json``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    now = datetime.now(UTC)
    document = {
        "kind": kind,
        "started_at": now.isoformat(timespec="seconds"),
        "machine": machine_info(),
        **payload,
    }
    path = out_dir / f"{kind}-{now.strftime('%Y%m%dT%H%M%SZ')}.json"
    path.write_text(json.dumps(document, indent=2, sort_keys=False) + "\n")
    return path


def read_result(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text())
    return data
