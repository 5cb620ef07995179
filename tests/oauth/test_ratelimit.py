from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from roost.config import Settings
from roost.kernel.errors import RateLimited
from roost.oauth.login import authenticate_login
from roost.oauth.ratelimit import WINDOW_SECONDS
from tests.helpers import ApiClient
from tests.oauth.support import PASSWORD, password_login, register_app, submit_login

LIMIT = 3


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.replace(login_attempts_per_5min=LIMIT)


@pytest.fixture(autouse=True)
def fresh_window() -> None:
    """Counters live in fixed 5-minute windows; start well inside one so the
    window cannot roll over (and reset the counts) halfway through a test."""
    left = WINDOW_SECONDS - time.time() % WINDOW_SECONDS
    if left < 30:
        time.sleep(left + 0.5)


def _reset_time(header: str) -> datetime:
    return datetime.fromisoformat(header.replace("Z", "+00:00"))


def test_password_grant_is_rate_limited_per_ip(client: ApiClient) -> None:
    client.make_user("alice")
    client.make_user("bob")
    app = register_app(client)
    for _ in range(LIMIT):
        response = password_login(client, app, "alice", password="wrong password")
        assert response.status_code == 400
    limited = password_login(client, app, "alice")
    assert limited.status_code == 429
    assert limited.json() == {"error": "Too many requests"}
    reset = _reset_time(limited.headers["X-RateLimit-Reset"])
    assert reset > datetime.now(UTC)
    assert (reset - datetime.now(UTC)).total_seconds() <= 300
    assert int(limited.headers["Retry-After"]) >= 1
    # The same client IP cannot go on with another account either.
    assert password_login(client, app, "bob").status_code == 429


def test_login_attempts_are_limited_per_account(client: ApiClient) -> None:
    client.make_user("alice")
    services = client.services

    async def attempt(ip: str, password: str) -> int | None:
        return await authenticate_login(services, login="alice", password=password, ip=ip)

    # Each attempt from its own address: only the per-account budget applies.
    for n in range(LIMIT):
        assert client.call(attempt, f"10.0.0.{n}", "wrong password") is None
    with pytest.raises(RateLimited) as caught:
        client.call(attempt, "10.0.1.1", PASSWORD)
    assert caught.value.limit == LIMIT
    assert caught.value.retry_after >= 1
    # Another account from a fresh address is unaffected.
    client.make_user("bob")

    async def bob(ip: str) -> int | None:
        return await authenticate_login(services, login="bob", password=PASSWORD, ip=ip)

    assert client.call(bob, "10.0.2.1") is not None


def test_authorize_form_is_rate_limited(client: ApiClient) -> None:
    client.make_user("alice")
    app = register_app(client)
    url = f"/oauth/authorize?response_type=code&client_id={app['client_id']}"
    for _ in range(LIMIT):
        page = client.get(url).text
        assert submit_login(client, page, "alice", password="wrong password").status_code == 401
    page = client.get(url).text
    limited = submit_login(client, page, "alice")
    assert limited.status_code == 429
    assert "Too many login attempts" in limited.text
    assert "X-RateLimit-Reset" in limited.headers
