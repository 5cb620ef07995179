"""The metrics directory of ``roost serve --workers N``: live gauges of a
process that died are dropped at the next scrape; counters stay."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from roost.infra.metrics import forget_dead_processes, prepare_multiprocess_dir


def test_dead_processes_lose_their_live_gauges_not_their_counters(tmp_path: Path) -> None:
    directory = tmp_path / "metrics"
    prepare_multiprocess_dir(directory)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    files = [
        f"gauge_livesum_{dead.pid}.db",
        f"gauge_livemax_{dead.pid}.db",
        f"counter_{dead.pid}.db",
        f"gauge_livesum_{os.getpid()}.db",
    ]
    for name in files:
        (directory / name).write_bytes(b"")
    forget_dead_processes(directory)
    assert sorted(p.name for p in directory.iterdir()) == sorted(files[2:])
    prepare_multiprocess_dir(directory)  # a new run starts empty
    assert list(directory.iterdir()) == []
