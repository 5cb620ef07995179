"""Liveness and readiness (roost.instance.health): what HAProxy probes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from starlette.testclient import TestClient

from roost import lifecycle
from roost.app import create_app
from roost.config import Settings
from tests.helpers import CHEAP_PASSWORD_HASHING, ApiClient


@pytest.fixture
def not_draining() -> Iterator[None]:
    lifecycle.reset()
    try:
        yield
    finally:
        lifecycle.reset()


def _sqlite(tmp_path: Path, **changes: object) -> Settings:
    return Settings(data_dir=tmp_path / "data", run_workers=False, worker_id=1).replace(
        **CHEAP_PASSWORD_HASHING, **changes
    )


def test_live_and_ready(client: ApiClient, not_draining: None) -> None:
    live = client.get("/livez")
    assert (live.status_code, live.text) == (200, "OK")
    assert live.headers["cache-control"] == "no-store"
    ready = client.get("/readyz")
    assert ready.status_code == 200, ready.text
    body = ready.json()
    assert body["status"] == "ready"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["migrations"] == "ok"
    expected_redis = "ok" if client.services.settings.redis_url else "not configured"
    assert body["checks"]["redis"] == expected_redis
    assert ready.headers["cache-control"] == "no-store"


def test_draining_fails_readiness_but_not_liveness(client: ApiClient, not_draining: None) -> None:
    lifecycle.begin_draining()
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["error"] == "Not ready: draining"
    # Still serving: the balancer stops sending, in-flight clients are answered.
    assert client.get("/livez").status_code == 200
    assert client.get("/api/v1/instance").status_code == 200


def test_schema_behind_the_code_is_not_ready(tmp_path: Path, not_draining: None) -> None:
    with ApiClient.start(_sqlite(tmp_path)) as api:

        async def rewind() -> None:
            async with api.services.db.write() as conn:
                await conn.execute(sa.text("UPDATE alembic_version SET version_num = 'older'"))

        api.call(rewind)
        ready = api.get("/readyz")
        assert ready.status_code == 503
        migrations = ready.json()["checks"]["migrations"]
        assert migrations.startswith("at older, expected "), migrations


def test_never_migrated_is_not_ready(tmp_path: Path, not_draining: None) -> None:
    app = create_app(_sqlite(tmp_path), auto_migrate=False)
    with TestClient(app) as http:
        ready = http.get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["checks"] == {
        "database": "ok",
        "migrations": "not migrated",
        "redis": "not configured",
    }


def test_unreachable_database_is_not_ready(tmp_path: Path, not_draining: None) -> None:
    # Port 9 (discard) on loopback: nothing listens, the connection is refused.
    settings = _sqlite(tmp_path, database_url="postgresql://roost@127.0.0.1:9/roost")
    with TestClient(create_app(settings, auto_migrate=False)) as http:
        ready = http.get("/readyz")
        assert http.get("/livez").status_code == 200
    assert ready.status_code == 503
    checks = ready.json()["checks"]
    assert checks["database"].startswith("unreachable ("), checks
    assert checks["migrations"] == "unknown"


def test_unreachable_redis_is_ready_and_degraded(tmp_path: Path, not_draining: None) -> None:
    """Redis down degrades every app server alike: they stay in the balancer."""
    with ApiClient.start(_sqlite(tmp_path, redis_url="redis://127.0.0.1:9/0")) as api:
        ready = api.get("/readyz")
    assert ready.status_code == 200, ready.text
    assert ready.json()["checks"]["redis"].startswith("degraded")


def test_health_checks_are_not_rate_limited(tmp_path: Path, not_draining: None) -> None:
    settings = _sqlite(tmp_path, rate_limits=True, rate_limit_anonymous_per_5min=2)
    with ApiClient.start(settings) as api:
        for _ in range(5):
            assert api.get("/readyz").status_code == 200
            assert api.get("/livez").status_code == 200
        assert "x-ratelimit-limit" not in api.get("/readyz").headers
