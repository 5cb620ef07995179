"""A ``roost worker`` whose Redis is unreachable keeps running: fan-out jobs
are postponed (not failed, not parked) and it still stops cleanly."""

from __future__ import annotations

import signal
from pathlib import Path

import anyio
import pytest
import sqlalchemy as sa

from roost.accounts.service import create_account
from roost.config import Settings
from roost.db import schema
from roost.services import Services
from roost.statuses.drafts import NewStatus
from roost.statuses.service import post_status
from tests.resilience.conftest import StartWorker, empty_services
from tests.resilience.support import free_port

pytestmark = pytest.mark.anyio


async def test_worker_postpones_fanout_while_redis_is_unreachable(
    scale_out_settings: Settings,
    services_factory: list[Services],
    start_worker: StartWorker,
    tmp_path: Path,
) -> None:
    settings = scale_out_settings.replace(redis_url=f"redis://127.0.0.1:{free_port()}/0")
    services = await empty_services(settings)
    services_factory.append(services)
    author = await create_account(
        services, username="author", email="author@example.com", password="p" * 12
    )
    await post_status(services, NewStatus(author_id=author, text="nobody gets this yet"))
    worker = start_worker(settings)
    log_path = tmp_path / "worker-0.log"
    with anyio.fail_after(30):
        while True:
            async with services.db.read(primary=True) as conn:
                # The post's notification job needs no Redis: the fan-out's waits
                # (the worker also enqueues its periodic trends refresh).
                query = sa.select(schema.jobs).where(schema.jobs.c.kind == "fanout_status")
                (job,) = (await conn.execute(query)).all()
            if job.last_error is not None:
                break
            assert worker.poll() is None, log_path.read_text()
            await anyio.sleep(0.05)
    assert job.state == "pending" and job.attempts == 0
    assert "Redis is unreachable" in job.last_error
    await anyio.sleep(0.5)  # keeps running, polling the database
    assert worker.poll() is None, log_path.read_text()
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=20) == 0
    log = log_path.read_text()
    assert "Traceback" not in log, log
    assert log.count("job wake-up channel lost") == 1, log
    assert "Redis unreachable, running degraded" in log, log
