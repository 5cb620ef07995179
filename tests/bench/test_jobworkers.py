"""Job worker processes of the bench: which counts run, how they start and stop,
and the job-queue wait the fan-out figures rest on."""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from roost.config import Settings
from roost.jobs.command import READY_LINE
from roost.jobs.queue import enqueue
from roost.seed.graphs import GeneratedGraph
from roost.services import build_services
from roost_bench.dataset import load_dataset
from roost_bench.deploy import postgres
from roost_bench.jobworkers import (
    JobWorkers,
    app_env,
    job_worker_counts,
    jobs_label,
    pending_jobs,
    run_job_workers,
    wait_for_jobs,
    worker_command,
)
from roost_bench.runner import run_async
from roost_bench.servers import ServerError
from roost_bench.workloads import sustained_rate
from tests.conftest import PG_ADMIN_URL, REDIS_URL, require_service


def test_embedded_runs_jobs_in_the_app_only() -> None:
    assert job_worker_counts("embedded", (1, 2)) == (0,)
    assert job_worker_counts("postgres", (1, 2)) == (1, 2)
    # repeats dropped, order kept, nothing asked: in the app
    assert job_worker_counts("postgres", (2, 0, 2)) == (2, 0)
    assert job_worker_counts("postgres", ()) == (0,)


def test_app_servers_stop_running_jobs_only_when_workers_do() -> None:
    env = {"ROOST_DATABASE_URL": "postgresql://x/y", "ROOST_REDIS_KEY_PREFIX": "p:"}
    assert app_env(env, 0) == env
    assert app_env(env, 2) == env | {"ROOST_RUN_WORKERS": "false"}
    assert "ROOST_RUN_WORKERS" not in env  # the deployment's own mapping is untouched


def test_worker_command_and_labels() -> None:
    command = worker_command(concurrency=4, poll_interval=0.5)
    assert command[:4] == [sys.executable, "-m", "roost", "worker"]
    assert command[4:] == ["--concurrency", "4", "--poll-interval", "0.5"]
    assert [jobs_label(n) for n in (0, 1, 2)] == ["in app", "1 worker", "2 workers"]


def test_sustained_rate_counts_the_drain() -> None:
    # 3,000 posts sent in 10 s, delivered 5 s later: 200 posts/s sustained
    assert sustained_rate(3_000, 10.0, 5.0) == pytest.approx(200.0)
    assert sustained_rate(3_000, 10.0, 0.0) == pytest.approx(300.0)
    assert sustained_rate(3_000, 10.0, None) is None
    assert sustained_rate(0, 0.0, 0.0) is None


_GRACEFUL = """
import signal, sys, time
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
print("ready", flush=True)
time.sleep(60)
"""
_STUBBORN = """
import signal, time
signal.signal(signal.SIGTERM, signal.SIG_IGN)
print("ready", flush=True)
time.sleep(60)
"""


def _start(code: str) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, start_new_session=True
    )
    assert process.stdout is not None
    assert process.stdout.readline() == b"ready\n"  # the handler is in place
    return process


def test_stop_terms_then_kills_what_does_not_exit() -> None:
    graceful, stubborn = _start(_GRACEFUL), _start(_STUBBORN)
    with tempfile.TemporaryDirectory() as tmp:
        workers = JobWorkers([graceful, stubborn], Path(tmp))
        started = time.monotonic()
        codes = workers.stop(timeout=1.0)
    assert codes == [0, -9]
    assert time.monotonic() - started < 10
    assert workers.exit_codes == codes
    for process in (graceful, stubborn):
        assert process.stdout is not None
        process.stdout.close()


def _state(pid: int) -> str:
    stat = Path(f"/proc/{pid}/stat").read_text()
    return stat[stat.rindex(")") + 2]


def _wait_state(pid: int, wanted: set[str]) -> str:
    deadline = time.monotonic() + 5
    while (state := _state(pid)) not in wanted and time.monotonic() < deadline:
        time.sleep(0.02)
    return state


def test_paused_workers_are_stopped_and_still_stop_gracefully() -> None:
    process = _start(_GRACEFUL)
    with tempfile.TemporaryDirectory() as tmp:
        workers = JobWorkers([process], Path(tmp))
        with workers.paused():
            assert _wait_state(process.pid, {"T"}) == "T"
        assert _wait_state(process.pid, {"S", "R"}) in {"S", "R"}
        # stopped while paused: continued first, so SIGTERM still ends it cleanly
        with workers.paused():
            assert workers.stop(timeout=5.0) == [0]
    assert process.stdout is not None
    process.stdout.close()


def test_no_workers_for_zero() -> None:
    with run_job_workers(0, {}) as workers:
        assert workers is None


@pytest.mark.postgres
@pytest.mark.redis
def test_roost_workers_drain_the_queue_and_stop_gracefully() -> None:
    require_service("PostgreSQL", "127.0.0.1", 5432)
    require_service("Redis", "127.0.0.1", 6379)
    with postgres(PG_ADMIN_URL, REDIS_URL) as dep:
        graph = GeneratedGraph(users=20, follows_per_user=3, seed=4)
        run_async(load_dataset(dep, graph, posts_per_user=(0, 1), token_users=[0]))
        settings = dep.settings()
        run_async(_enqueue_fanouts(settings, 3))
        assert run_async(pending_jobs(settings)) == 3
        # Nothing runs them yet: the wait gives up and says how many are left.
        assert run_async(wait_for_jobs(settings, give_up_after=0.3)) == (None, 3)
        with run_job_workers(2, dep.env, poll_interval=0.2) as workers:
            assert workers is not None
            waited, left = run_async(wait_for_jobs(settings, give_up_after=60))
            assert left == 0 and waited is not None
            assert workers.cpu_seconds() > 0
        # SIGTERM: each finished its work and exited 0.
        assert workers.exit_codes == [0, 0]
        assert all(p.poll() is not None for p in workers.processes)


async def _enqueue_fanouts(settings: Settings, count: int) -> None:
    services = build_services(settings)
    try:
        async with services.db.write() as conn:
            for i in range(count):
                # Statuses that do not exist: the job has nothing to deliver.
                await enqueue(conn, services.ids, "fanout_status", {"status_id": 10**15 + i})
    finally:
        await services.close()


def _logged(code: str, log_dir: Path, index: int) -> subprocess.Popen[bytes]:
    with (log_dir / f"worker-{index}.log").open("wb") as log:
        return subprocess.Popen([sys.executable, "-c", code], stdout=log, start_new_session=True)


def test_workers_are_ready_when_they_say_so_not_after_a_guess() -> None:
    slow_then_ready = f"import time; time.sleep(0.5); print({READY_LINE!r}, 1, flush=True); "
    slow_then_ready += "time.sleep(60)"
    silent = "import time; time.sleep(60)"
    with tempfile.TemporaryDirectory() as tmp:
        log_dir = Path(tmp)
        ready = JobWorkers([_logged(slow_then_ready, log_dir, 0)], log_dir)
        started = time.monotonic()
        ready.wait_ready(timeout=30)
        assert time.monotonic() - started >= 0.4
        ready.stop(timeout=1.0)
        mute = JobWorkers([_logged(silent, log_dir, 0)], log_dir)
        with pytest.raises(ServerError, match="did not start"):
            mute.wait_ready(timeout=0.3)
        mute.stop(timeout=1.0)
