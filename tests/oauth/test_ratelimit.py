"""Login throttling (roost.oauth.ratelimit): per address, per address and
account, and per account without locking the owner out."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from roost.config import Settings
from tests.abuse.support import (
    FakeClock,
    clock,
    from_address,
    limited_settings,
    proxied,
    start_proxied,
)
from tests.helpers import ApiClient
from tests.oauth.support import register_app, submit_login

__all__ = ["clock", "proxied"]  # fixtures used below

WRONG = "wrong password"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return limited_settings(
        settings,
        login_attempts_per_5min=100,
        login_failures_per_5min=3,
        login_account_failures_per_hour=4,
    )


def _login(client: ApiClient, app: dict[str, Any], address: str, login: str, password: str) -> Any:
    return client.post(
        "/oauth/token",
        data={
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
            "grant_type": "password",
            "username": login,
            "password": password,
            "scope": "read",
        },
        headers=from_address(address),
    )


def _status(client: ApiClient, app: dict[str, Any], address: str, login: str, password: str) -> int:
    return int(_login(client, app, address, login, password).status_code)


def test_the_address_budget_counts_every_attempt_and_refills_steadily(
    settings: Settings, clock: FakeClock
) -> None:
    with start_proxied(settings.replace(login_attempts_per_5min=3), clock) as client:
        app = register_app(client)
        # Unknown logins: no account budget is involved, only the address's.
        for n in range(3):
            assert _status(client, app, "192.0.2.1", f"nobody{n}", WRONG) == 400
        limited = _login(client, app, "192.0.2.1", "nobody", WRONG)
        assert limited.status_code == 429
        assert limited.json() == {"error": "Too many requests"}
        reset = datetime.fromisoformat(limited.headers["X-RateLimit-Reset"].replace("Z", "+00:00"))
        assert 0 < reset.timestamp() - clock.now <= 300
        assert limited.headers["X-RateLimit-Remaining"] == "0"
        # One attempt comes back every 100 s (3 per 5 minutes): no window
        # edge at which a whole new budget arrives at once.
        assert int(limited.headers["Retry-After"]) == 100
        clock.advance(99)
        assert _status(client, app, "192.0.2.1", "nobody", WRONG) == 429
        clock.advance(1)
        assert _status(client, app, "192.0.2.1", "nobody", WRONG) == 400
        assert _status(client, app, "192.0.2.1", "nobody", WRONG) == 429
        # Another address has its own budget.
        assert _status(client, app, "192.0.2.2", "nobody", WRONG) == 400


def test_successful_logins_spend_no_failure_budget(proxied: ApiClient) -> None:
    proxied.make_user("alice")
    app = register_app(proxied)
    for _ in range(10):
        assert _status(proxied, app, "192.0.2.1", "alice", "correct horse battery") == 200


def test_an_address_gets_few_wrong_passwords_per_account(proxied: ApiClient) -> None:
    proxied.make_user("alice")
    proxied.make_user("bob")
    app = register_app(proxied)
    for _ in range(3):
        assert _status(proxied, app, "192.0.2.1", "alice", WRONG) == 400
    # The address's failures against alice are used up: even the right
    # password is not checked from it...
    assert _status(proxied, app, "192.0.2.1", "alice", "correct horse battery") == 429
    # ...while it may still log in to another account, and alice from elsewhere.
    assert _status(proxied, app, "192.0.2.1", "bob", "correct horse battery") == 200
    assert _status(proxied, app, "192.0.2.7", "alice", "correct horse battery") == 200


def test_a_successful_login_forgets_the_address_failures(proxied: ApiClient) -> None:
    proxied.make_user("alice")
    app = register_app(proxied)
    assert _status(proxied, app, "192.0.2.1", "alice", WRONG) == 400
    assert _status(proxied, app, "192.0.2.1", "alice", "correct horse battery") == 200
    # Three more failures: the budget of three is whole again.
    for _ in range(3):
        assert _status(proxied, app, "192.0.2.1", "alice", WRONG) == 400
    assert _status(proxied, app, "192.0.2.1", "alice", WRONG) == 429


def test_an_attack_on_an_account_does_not_lock_its_owner_out(
    proxied: ApiClient, clock: FakeClock
) -> None:
    """Many addresses guessing one account spend its failure budget; then
    addresses that failed are refused, fresh ones still get their password
    checked, and the owner's right password works from a clean address."""
    proxied.make_user("alice")
    app = register_app(proxied)
    for n in range(4):
        assert _status(proxied, app, f"198.51.100.{n}", "alice", WRONG) == 400
    # The account is under attack: an address that failed lately is refused
    # (within its own per-address budget, which has room left)...
    assert _status(proxied, app, "198.51.100.0", "alice", WRONG) == 429
    assert _status(proxied, app, "198.51.100.0", "alice", "correct horse battery") == 429
    # ...a fresh address gets one guess, then is refused in turn...
    assert _status(proxied, app, "198.51.100.50", "alice", WRONG) == 400
    assert _status(proxied, app, "198.51.100.50", "alice", WRONG) == 429
    # ...and the owner logs in from an address with no failures.
    assert _status(proxied, app, "203.0.113.5", "alice", "correct horse battery") == 200
    # An hour later the attack has aged out of the budgets.
    clock.advance(3600)
    assert _status(proxied, app, "198.51.100.0", "alice", "correct horse battery") == 200


def test_the_authorize_form_is_throttled_too(proxied: ApiClient) -> None:
    proxied.make_user("alice")
    app = register_app(proxied)
    url = f"/oauth/authorize?response_type=code&client_id={app['client_id']}"
    for _ in range(3):
        page = proxied.get(url).text
        assert submit_login(proxied, page, "alice", password=WRONG).status_code == 401
    page = proxied.get(url).text
    limited = submit_login(proxied, page, "alice")
    assert limited.status_code == 429
    assert "Too many login attempts" in limited.text
    assert "X-RateLimit-Reset" in limited.headers
