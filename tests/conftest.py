"""Shared fixtures: every API test runs on SQLite, and on PostgreSQL when it is
reachable (in CI it must be: a missing server fails the run there).

Background jobs do not run on their own in tests: ``client.drain()`` steps
them, so fan-out is deterministic.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from roost.config import Settings
from tests import pg_admin as admin
from tests.helpers import CHEAP_PASSWORD_HASHING, ApiClient

PG_HOST, PG_PORT = "127.0.0.1", 5432
PG_ADMIN_URL = f"postgresql://postgres@{PG_HOST}:{PG_PORT}/postgres"
PG_TEST_DB = f"roost_test_{os.getpid()}"
REDIS_URL = "redis://127.0.0.1:6379/0"


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def require_service(name: str, host: str, port: int) -> None:
    """Skip without the service, except in CI where it must be there."""
    if _reachable(host, port):
        return
    if os.environ.get("CI"):
        pytest.fail(f"{name} on {host}:{port} is required in CI but not reachable")
    pytest.skip(f"{name} not reachable on {host}:{port}")


@pytest.fixture(scope="session")
def pg_database_url() -> Iterator[str]:
    require_service("PostgreSQL", PG_HOST, PG_PORT)
    admin.recreate_database(PG_ADMIN_URL, PG_TEST_DB)
    yield f"postgresql://postgres@{PG_HOST}:{PG_PORT}/{PG_TEST_DB}"
    admin.drop_database(PG_ADMIN_URL, PG_TEST_DB)


@pytest.fixture(scope="session")
def redis_key_prefix() -> Iterator[str]:
    """A key prefix of this test session's own; its keys are deleted at the end."""
    require_service("Redis", "127.0.0.1", 6379)
    import redis

    from roost.infra.redis_client import glob_escape

    prefix = f"roost-test-{os.getpid()}:"
    yield prefix
    with redis.Redis.from_url(REDIS_URL) as client:
        keys = list(client.scan_iter(match=glob_escape(prefix) + "*", count=1000))
        for start in range(0, len(keys), 500):
            client.unlink(*keys[start : start + 500])


# "postgresql+redis" is the scale-out deployment: PostgreSQL plus Redis for
# the cache and the timelines (keys under a per-session prefix).
@pytest.fixture(params=["sqlite", "postgresql", "postgresql+redis"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def settings(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Settings:
    base = Settings(
        data_dir=tmp_path / "data",
        run_workers=False,
        public_url="http://testserver",
        domain="testserver",
        worker_id=1,
    ).replace(**CHEAP_PASSWORD_HASHING)
    if backend == "postgresql":
        url = request.getfixturevalue("pg_database_url")
        return base.replace(database_url=url)
    if backend == "postgresql+redis":
        url = request.getfixturevalue("pg_database_url")
        prefix = request.getfixturevalue("redis_key_prefix")
        return base.replace(database_url=url, redis_url=REDIS_URL, redis_key_prefix=prefix)
    return base


@pytest.fixture
def client(settings: Settings) -> Iterator[ApiClient]:
    with ApiClient.start(settings) as api:
        yield api
