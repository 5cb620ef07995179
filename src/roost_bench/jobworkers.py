"""Background job workers of the scale-out deployment, for the benchmark.

With ``--job-workers N`` (N > 0) the app servers run with
``ROOST_RUN_WORKERS=false`` and N ``roost worker`` subprocesses run the
jobs (fan-out and the like) against the same PostgreSQL and Redis. Each
worker gets its own session, so stopping it stops nothing else; it is
stopped with SIGTERM (it finishes the job in hand and exits 0) and killed
if it has not exited in time. With N = 0 the app server processes run the
jobs themselves, the only choice of the embedded deployment (its SQLite and
in-process stores belong to the server process).

The job table doubles as the measure of the fan-out backlog: a job row is
deleted once done, so "no pending job" means every post is delivered.
Pausing the workers (SIGSTOP) while posts pile up, then timing the drain,
gives what the workers alone deliver per second.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import sqlalchemy as sa

from roost.config import Settings
from roost.db import schema
from roost.db.engine import make_engine
from roost.jobs.command import READY_LINE
from roost_bench.servers import ServerError, session_cpu_seconds

# Seconds a worker has to finish its job after SIGTERM before it is killed.
STOP_TIMEOUT = 20.0


def job_worker_counts(deployment: str, wanted: Sequence[int]) -> tuple[int, ...]:
    """The job worker counts to run for a deployment (0: jobs in the app).

    The embedded deployment can only run its jobs inside the app process.
    """
    if deployment == "embedded":
        return (0,)
    counts = tuple(dict.fromkeys(max(0, n) for n in wanted))
    return counts or (0,)


def app_env(env: Mapping[str, str], job_workers: int) -> dict[str, str]:
    """The app servers' environment: without jobs when workers run them."""
    return {**env, "ROOST_RUN_WORKERS": "false"} if job_workers > 0 else dict(env)


def worker_command(*, concurrency: int, poll_interval: float) -> list[str]:
    return [
        sys.executable,
        "-m",
        "roost",
        "worker",
        "--concurrency",
        str(concurrency),
        "--poll-interval",
        f"{poll_interval:g}",
    ]


def jobs_label(job_workers: int) -> str:
    """How the results name a job worker count."""
    return "in app" if job_workers == 0 else f"{job_workers} worker{'s' * (job_workers > 1)}"


@dataclasses.dataclass
class JobWorkers:
    """Running ``roost worker`` processes (see ``run_job_workers``)."""

    processes: list[subprocess.Popen[bytes]]
    log_dir: Path
    exit_codes: list[int | None] = dataclasses.field(default_factory=list)

    def cpu_seconds(self) -> float:
        """CPU time used so far by the workers (each is its own session)."""
        return sum(session_cpu_seconds(p.pid) for p in self.processes)

    @contextlib.contextmanager
    def paused(self) -> Iterator[None]:
        """SIGSTOP the workers for the block (the jobs pile up), then SIGCONT.

        Lets a backlog build while nothing drains it, so that the drain
        measures the workers alone. Keep the block well under the job lease
        (ROOST_JOB_LEASE_SECONDS): a stopped worker renews none.
        """
        self._signal(signal.SIGSTOP)
        try:
            yield
        finally:
            self._signal(signal.SIGCONT)

    def _signal(self, signum: int) -> None:
        for process in self.processes:
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signum)

    def check_alive(self) -> None:
        for i, process in enumerate(self.processes):
            if process.poll() is not None:
                raise ServerError(f"job worker {i} exited early:\n{self.log_tail(i)}")

    def wait_ready(self, *, timeout: float) -> None:
        """Wait until every worker has printed its ready line."""
        deadline = time.monotonic() + timeout
        waiting = set(range(len(self.processes)))
        while waiting:
            self.check_alive()
            waiting = {i for i in waiting if READY_LINE not in self.log_tail(i, 1 << 20)}
            if waiting and time.monotonic() > deadline:
                raise ServerError(f"job workers {sorted(waiting)} did not start in {timeout:g} s")
            time.sleep(0.05)

    def log_tail(self, index: int, chars: int = 3000) -> str:
        try:
            return (self.log_dir / f"worker-{index}.log").read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def stop(self, timeout: float = STOP_TIMEOUT) -> list[int | None]:
        """SIGTERM every worker, wait, kill the ones still running.

        Returns each exit code (0: stopped gracefully; negative: killed by
        that signal; None: would not die).
        """
        # A paused worker would not see SIGTERM until continued.
        self._signal(signal.SIGCONT)
        self._signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for process in self.processes:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                with contextlib.suppress(subprocess.TimeoutExpired):
                    process.wait(timeout=5)
        self.exit_codes = [p.poll() for p in self.processes]
        return self.exit_codes


@contextlib.contextmanager
def run_job_workers(
    count: int,
    env: Mapping[str, str],
    *,
    concurrency: int = 1,
    poll_interval: float = 1.0,
    start_timeout: float = 60.0,
) -> Iterator[JobWorkers | None]:
    """``count`` ``roost worker`` processes for the block (None when 0)."""
    if count <= 0:
        yield None
        return
    full_env = {**os.environ, **env}
    command = worker_command(concurrency=concurrency, poll_interval=poll_interval)
    with tempfile.TemporaryDirectory(prefix="roost-job-workers-") as tmp:
        log_dir = Path(tmp)
        workers = JobWorkers([], log_dir)
        try:
            for i in range(count):
                with (log_dir / f"worker-{i}.log").open("wb") as log:
                    workers.processes.append(
                        subprocess.Popen(
                            command,
                            env=full_env,
                            stdout=log,
                            stderr=subprocess.STDOUT,
                            start_new_session=True,
                        )
                    )
            # A worker has no port to probe; it says when it is ready (signal
            # handlers installed), so a SIGTERM sent after this stops it
            # gracefully however slow its start was.
            workers.wait_ready(timeout=start_timeout)
            yield workers
        finally:
            workers.stop()


def _pending_query() -> sa.Select[int]:
    jobs = schema.jobs
    return sa.select(sa.func.count()).select_from(jobs).where(jobs.c.state == "pending")


async def pending_jobs(settings: Settings) -> int:
    """Jobs waiting or running (done ones are deleted; parked ones not counted)."""
    engine = make_engine(settings.effective_database_url, pool_size=1)
    try:
        async with engine.connect() as conn:
            return int(await conn.scalar(_pending_query()) or 0)
    finally:
        await engine.dispose()


async def wait_for_jobs(
    settings: Settings, *, give_up_after: float, interval: float = 0.1
) -> tuple[float | None, int]:
    """Wait until no job is pending: (seconds waited or None on timeout, jobs left)."""
    engine = make_engine(settings.effective_database_url, pool_size=1)
    query = _pending_query()
    started = time.perf_counter()
    try:
        while True:
            async with engine.connect() as conn:
                left = int(await conn.scalar(query) or 0)
            waited = time.perf_counter() - started
            if left == 0:
                return waited, 0
            if waited >= give_up_after:
                return None, left
            await asyncio.sleep(interval)
    finally:
        await engine.dispose()
