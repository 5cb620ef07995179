"""The order the suite runs the Reed98 workloads in (no servers: recorded calls)."""

from __future__ import annotations

import contextlib
import types
from collections.abc import Iterator
from typing import Any

import pytest

from roost_bench import suite as suite_module
from roost_bench.runner import BenchOptions
from roost_bench.suite import Suite


def _run(monkeypatch: pytest.MonkeyPatch, **options: Any) -> list[tuple[str, int, int]]:
    calls: list[tuple[str, int, int]] = []
    started: list[tuple[int, int]] = []

    @contextlib.contextmanager
    def roost(dep: object, workers: int, job_workers: int) -> Iterator[object]:
        started.append((workers, job_workers))
        yield types.SimpleNamespace(url="http://test")

    bench = types.SimpleNamespace(options=BenchOptions(**options), roost=roost)
    suite = Suite(bench)  # type: ignore[arg-type]

    def current() -> tuple[int, int]:
        return started[-1]

    def home(dep: object, run: object, data: object, workers: int, jobs: int) -> dict[str, Any]:
        assert current() == (workers, jobs)
        calls.append(("home", workers, jobs))
        return {}

    def fanout(dep: object, run: object, data: object, following: object, workers: int) -> Any:
        calls.append(("fanout", *current()))
        return {}

    def mix(bench: object, url: str, data: object, workers: int) -> dict[str, Any]:
        calls.append(("mix", *current()))
        return {"workload": "mix"}

    monkeypatch.setattr(suite, "_home", home)
    monkeypatch.setattr(suite, "_fanout", fanout)
    monkeypatch.setattr(suite, "_record", lambda *args, **kwargs: {})
    monkeypatch.setattr(suite, "_note_exits", lambda run, recorded: None)
    monkeypatch.setattr(suite_module, "mix_workload", mix)
    monkeypatch.setattr(suite_module, "sample_users", lambda *args, **kwargs: [])
    monkeypatch.setattr(suite_module, "following_of", lambda *args: {})
    dep = types.SimpleNamespace(name="postgres")
    suite._reed98_workloads(dep, types.SimpleNamespace(users=10), object())  # type: ignore[arg-type]
    return calls


def test_every_read_runs_before_any_posting_burst(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _run(monkeypatch, workers=(1, 2), job_workers=(1, 2), workloads=("home", "fanout"))
    assert calls == [
        ("home", 1, 1),
        ("home", 2, 1),
        ("fanout", 1, 1),
        ("fanout", 1, 2),
        ("fanout", 2, 1),
        ("fanout", 2, 2),
    ]


def test_quick_mode_runs_the_mix_with_the_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    options = {"quick": True, "workers": (1,), "job_workers": (1,)}
    calls = _run(monkeypatch, **options)
    assert calls == [("home", 1, 1), ("mix", 1, 1), ("fanout", 1, 1)]
    assert _run(monkeypatch, **options, workloads=("fanout",)) == [("fanout", 1, 1)]
