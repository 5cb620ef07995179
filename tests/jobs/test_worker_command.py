"""``roost worker`` as real processes on PostgreSQL: several share the job
table, and SIGTERM stops one cleanly.

The jobs are real ``fanout_status`` jobs for statuses that do not exist (a
worker process only knows the real job kinds): each is claimed, finds
nothing to deliver, and is deleted.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Protocol

import anyio
import pytest
import sqlalchemy as sa

from roost.config import Settings
from roost.db import schema
from roost.db.migrate import migrate
from roost.jobs.queue import enqueue
from roost.services import build_services
from tests.jobs.conftest import job_rows

pytestmark = pytest.mark.anyio


@pytest.fixture
async def pg_settings(pg_database_url: str, tmp_path: Path) -> Settings:
    settings = Settings(data_dir=tmp_path, database_url=pg_database_url, worker_id=900)
    services = build_services(settings)
    try:
        await migrate(services.db.engine)
        async with services.db.write() as conn:
            await conn.execute(schema.jobs.delete())
    finally:
        await services.close()
    return settings


async def enqueue_fanouts(settings: Settings, count: int) -> None:
    services = build_services(settings)
    try:
        async with services.db.write() as conn:
            for _ in range(count):
                missing_status = services.ids.next_id()
                await enqueue(conn, services.ids, "fanout_status", {"status_id": missing_status})
    finally:
        await services.close()


async def remaining_jobs(settings: Settings) -> list[sa.Row[tuple[object, ...]]]:
    services = build_services(settings)
    try:
        return list(await job_rows(services))
    finally:
        await services.close()


@contextlib.asynccontextmanager
async def job_counter(settings: Settings) -> AsyncIterator[Callable[[], Awaitable[int]]]:
    """Counts the jobs left, on one connection pool: polling with a new
    engine and every row each time took CPU from the workers under test."""
    services = build_services(settings)

    async def count() -> int:
        async with services.db.read(primary=True) as conn:
            query = sa.select(sa.func.count()).select_from(schema.jobs)
            return int((await conn.execute(query)).scalar_one())

    try:
        yield count
    finally:
        await services.close()


class StartWorker(Protocol):
    def __call__(self, settings: Settings, *args: str) -> subprocess.Popen[bytes]: ...


@pytest.fixture
def start_worker(tmp_path: Path) -> Iterator[StartWorker]:
    """Starts ``roost worker`` processes; any still running at the end are killed."""
    processes: list[subprocess.Popen[bytes]] = []

    def start(settings: Settings, *args: str) -> subprocess.Popen[bytes]:
        env = {
            **os.environ,
            "ROOST_DATABASE_URL": settings.database_url,
            "ROOST_DATA_DIR": str(tmp_path),
            "ROOST_WORKER_ID": str(10 + len(processes)),
        }
        env.pop("ROOST_REDIS_URL", None)
        log = (tmp_path / f"worker-{len(processes)}.log").open("wb")
        process = subprocess.Popen(
            [sys.executable, "-m", "roost", "worker", *args], env=env, stdout=log, stderr=log
        )
        processes.append(process)
        return process

    yield start
    for process in processes:
        if process.poll() is None:
            process.kill()
            process.wait()


async def wait_for_log(path: Path, text: str, within: float = 30) -> None:
    with anyio.fail_after(within):
        while text not in await anyio.Path(path).read_text():  # noqa: ASYNC110 - another process
            await anyio.sleep(0.05)


def stop(process: subprocess.Popen[bytes], timeout: float = 20) -> int:
    process.send_signal(signal.SIGTERM)
    return process.wait(timeout=timeout)


async def test_two_worker_processes_drain_the_queue(
    pg_settings: Settings, start_worker: StartWorker, tmp_path: Path
) -> None:
    await enqueue_fanouts(pg_settings, 400)
    workers = [start_worker(pg_settings, "--concurrency", "2", "--poll-interval", "0.1")]
    workers.append(start_worker(pg_settings, "--concurrency", "2", "--poll-interval", "0.1"))
    async with job_counter(pg_settings) as remaining:
        with anyio.fail_after(90):
            while await remaining():
                assert all(w.poll() is None for w in workers), "a worker died"
                await anyio.sleep(0.2)
    for i in range(2):
        await wait_for_log(tmp_path / f"worker-{i}.log", "worker started")
    assert [stop(w) for w in workers] == [0, 0]
    logs = [(tmp_path / f"worker-{i}.log").read_text() for i in range(2)]
    assert all("worker stopped" in log for log in logs), logs
    assert not any("Traceback" in log for log in logs), logs


async def test_sigterm_mid_queue_exits_cleanly_and_hands_back_claimed_jobs(
    pg_settings: Settings, start_worker: StartWorker, tmp_path: Path
) -> None:
    total = 3000
    await enqueue_fanouts(pg_settings, total)
    worker = start_worker(pg_settings, "--concurrency", "4", "--poll-interval", "0.1")
    async with job_counter(pg_settings) as remaining:
        with anyio.fail_after(60):
            while await remaining() > total - 100:
                assert worker.poll() is None, (tmp_path / "worker-0.log").read_text()
                await anyio.sleep(0.05)
    started = time.monotonic()
    assert stop(worker) == 0
    assert time.monotonic() - started < 10
    rows = await remaining_jobs(pg_settings)
    assert 0 < len(rows) < total  # stopped mid-queue
    # Nothing left leased to the stopped worker, nothing failed.
    assert all(r.locked_until is None and r.attempts == 0 for r in rows)
    log = (tmp_path / "worker-0.log").read_text()
    assert "SIGTERM: finishing the current jobs" in log and "worker stopped" in log, log


async def test_sigterm_on_an_idle_worker(
    pg_settings: Settings, start_worker: StartWorker, tmp_path: Path
) -> None:
    worker = start_worker(pg_settings)
    await wait_for_log(tmp_path / "worker-0.log", "worker started")
    await anyio.sleep(0.3)  # asleep on an empty table
    assert worker.poll() is None
    assert stop(worker, timeout=10) == 0


async def test_a_worker_serves_its_metrics_on_a_loopback_port(
    pg_settings: Settings, start_worker: StartWorker, tmp_path: Path
) -> None:
    import httpx2 as httpx
    from prometheus_client.parser import text_string_to_metric_families

    from tests.served import free_port

    port = free_port()
    await enqueue_fanouts(pg_settings, 3)
    worker = start_worker(pg_settings, "--poll-interval", "0.1", "--metrics-port", str(port))
    async with job_counter(pg_settings) as remaining:
        with anyio.fail_after(30):
            while await remaining():
                assert worker.poll() is None, (tmp_path / "worker-0.log").read_text()
                await anyio.sleep(0.1)
    async with httpx.AsyncClient() as http:
        scraped = await http.get(f"http://127.0.0.1:{port}/metrics")
    completed = {
        s.labels.get("kind"): s.value
        for f in text_string_to_metric_families(scraped.text)
        for s in f.samples
        if s.name == "roost_jobs_completed_total"
    }
    for periodic in (
        "trends_refresh",
        "media_sweep",
        "search_recent_index",
    ):  # the worker's own periodic jobs
        completed.pop(periodic, None)
    assert completed == {"fanout_status": 3}
    assert stop(worker) == 0
