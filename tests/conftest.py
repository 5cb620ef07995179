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


# The pyproject markers, applied at collection (pytest_collection_modifyitems)
# from what a test uses: these fixtures, anywhere in its fixture closure...
FIXTURE_MARKERS = {
    "pg_database_url": ("postgres",),
    "redis_key_prefix": ("redis",),
    "redis_client": ("redis",),
    "redis_cluster_url": ("redis",),
    "start_worker": ("e2e",),  # `roost worker` processes
    "s3_endpoint": ("e2e",),  # the S3 API server process
}
# ...and these values of a parametrized fixture (backend and the like).
PARAM_MARKERS = {
    "postgresql": ("postgres",),
    "postgresql+redis": ("postgres", "redis"),
    "redis": ("redis",),
    "redis-cluster": ("redis",),
}
SERVICE_MARKERS = {"PostgreSQL": "postgres", "Redis": "redis"}
_markers_by_test: dict[str, set[str]] = {}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        names: set[str] = set()
        for fixture in getattr(item, "fixturenames", ()):
            names.update(FIXTURE_MARKERS.get(fixture, ()))
        callspec = getattr(item, "callspec", None)
        if callspec is not None:
            for value in callspec.params.values():
                if isinstance(value, str):
                    names.update(PARAM_MARKERS.get(value, ()))
        for name in sorted(names):
            item.add_marker(name)
        _markers_by_test[item.nodeid] = {m.name for m in item.iter_markers()}


def _current_test_markers() -> set[str] | None:
    current = os.environ.get("PYTEST_CURRENT_TEST")  # "<nodeid> (setup|call|teardown)"
    if current is None:
        return None
    return _markers_by_test.get(current.rsplit(" ", 1)[0])


def require_service(name: str, host: str, port: int) -> None:
    """Skip without the service, except in CI where it must be there.

    A test that reaches a service must carry its marker, or
    ``make test-fast`` (``-m "not postgres and not redis ..."``) would run it:
    this fails such a test whether the service is up or not."""
    marker = SERVICE_MARKERS[name]
    markers = _current_test_markers()
    if markers is not None and marker not in markers:
        pytest.fail(
            f"this test uses {name} but is not marked {marker!r}: add the marker, or"
            " let tests/conftest.py apply it (FIXTURE_MARKERS, PARAM_MARKERS)"
        )
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
        # Tests of the limits turn them on (tests/abuse); the others make
        # more requests than a real client would.
        rate_limits=False,
        # A full collection and a freeze at each app's start would slow every
        # test and freeze the test process's objects (tests/infra/test_gc_tuning).
        gc_tuning=False,
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


@pytest.fixture(scope="session")
def s3_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The endpoint URL of a real S3 API server on loopback, for the session."""
    from tests.s3_server import s3_server

    with s3_server(tmp_path_factory.mktemp("s3")) as endpoint:
        yield endpoint
