"""Scale-out end to end: two app servers on PostgreSQL and Redis, with the
jobs run by a separate `roost worker`. A like sent to server A reaches a
stream open on server B: the worker makes the notification and publishes
it on the Redis bus, and B's bus hands it to the stream."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx2 as httpx
import pytest
import redis

from tests import pg_admin as admin
from tests.conftest import PG_ADMIN_URL, PG_HOST, PG_PORT, REDIS_URL
from tests.helpers import CHEAP_PASSWORD_HASHING_ENV
from tests.served import served_roost

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(120)]

WAIT = 15.0


@pytest.fixture
def scale_out_env(pg_database_url: str, redis_key_prefix: str) -> Iterator[dict[str, str]]:
    name = f"roost_stream_{os.getpid()}"
    admin.recreate_database(PG_ADMIN_URL, name)
    yield {
        "ROOST_DATABASE_URL": f"postgresql://postgres@{PG_HOST}:{PG_PORT}/{name}",
        "ROOST_REDIS_URL": REDIS_URL,
        "ROOST_REDIS_KEY_PREFIX": redis_key_prefix + "scale-out:",
        "ROOST_RUN_WORKERS": "false",
        "ROOST_RATE_LIMITS": "false",
        **CHEAP_PASSWORD_HASHING_ENV,
    }
    admin.drop_database(PG_ADMIN_URL, name)


@contextlib.contextmanager
def worker(tmp_path: Path, env: dict[str, str]) -> Iterator[None]:
    log = (tmp_path / "worker.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "roost", "worker", "--poll-interval", "0.2"],
        env={**os.environ, **env, "ROOST_DATA_DIR": str(tmp_path / "data")},
        stdout=log,
        stderr=log,
    )
    try:
        yield
    finally:
        process.terminate()
        process.wait(timeout=15)
        log.close()


def sign_up(base: str, username: str) -> tuple[str, str]:
    """(account id, token) of a new account, through the API."""
    app = httpx.post(
        f"{base}/api/v1/apps",
        data={
            "client_name": "scale-out",
            "redirect_uris": "urn:ietf:wg:oauth:2.0:oob",
            "scopes": "read write",
        },
    ).json()
    app_token = httpx.post(
        f"{base}/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
            "scope": "read write",
        },
    ).json()["access_token"]
    created = httpx.post(
        f"{base}/api/v1/accounts",
        headers={"Authorization": f"Bearer {app_token}"},
        data={
            "username": username,
            "email": f"{username}@example.com",
            "password": "a long enough password",
            "agreement": "true",
        },
    )
    assert created.status_code == 200, created.text
    token = created.json()["access_token"]
    me = httpx.get(
        f"{base}/api/v1/accounts/verify_credentials", headers={"Authorization": f"Bearer {token}"}
    ).json()
    return me["id"], token


def test_a_like_on_server_a_reaches_a_stream_on_server_b(
    tmp_path: Path, scale_out_env: dict[str, str]
) -> None:
    for side in ("a", "b"):
        (tmp_path / side).mkdir()
    with (
        served_roost(tmp_path / "a", env=scale_out_env) as (port_a, _),
        served_roost(tmp_path / "b", env=scale_out_env) as (port_b, _),
        worker(tmp_path, scale_out_env),
    ):
        a, b = f"http://127.0.0.1:{port_a}", f"http://127.0.0.1:{port_b}"
        alice_id, alice = sign_up(a, "alice")
        _, bob = sign_up(a, "bob")
        posted = httpx.post(
            f"{a}/api/v1/statuses",
            headers={"Authorization": f"Bearer {alice}"},
            data={"status": "like me from anywhere"},
        ).json()
        received: list[bytes] = []
        arrived = threading.Event()

        def read_stream() -> None:
            with httpx.stream(
                "GET",
                f"{b}/api/v1/streaming/user/notification",
                headers={"Authorization": f"Bearer {alice}"},
                timeout=WAIT,
            ) as stream:
                for chunk in stream.iter_bytes():
                    received.append(chunk)
                    if b"event: notification" in b"".join(received) and b"".join(received).endswith(
                        b"\n\n"
                    ):
                        arrived.set()
                        return

        reader = threading.Thread(target=read_stream, daemon=True)
        reader.start()
        # Wait until server B's subscription is registered in Redis.
        channel = scale_out_env["ROOST_REDIS_KEY_PREFIX"] + f"ev:user:{alice_id}"
        with redis.Redis.from_url(REDIS_URL) as client:
            deadline = time.monotonic() + WAIT
            while not dict(client.pubsub_numsub(channel)).get(channel.encode()):
                assert time.monotonic() < deadline, "stream on server B never subscribed"
                time.sleep(0.02)
        liked = httpx.post(
            f"{a}/api/v1/statuses/{posted['id']}/favourite",
            headers={"Authorization": f"Bearer {bob}"},
        )
        assert liked.status_code == 200
        assert arrived.wait(WAIT), b"".join(received).decode()
        reader.join(WAIT)
    text = b"".join(received).decode()
    assert '"type":"favourite"' in text
    assert f'"id":"{posted["id"]}"' in text
