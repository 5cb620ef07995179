"""The API-wide rate limits (roost.api.ratelimit) and the per-action budgets
(sign-ups, statuses, deletions, media), through the HTTP API."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from roost.config import Settings
from roost.kernel.errors import RateLimited
from roost.limits import spend_media_upload
from tests.abuse.support import (
    FakeClock,
    clock,
    from_address,
    limited_settings,
    proxied,
    start_proxied,
)
from tests.helpers import ApiClient
from tests.oauth.support import app_token, bearer, register_app

__all__ = ["clock", "proxied"]  # fixtures used below


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return limited_settings(
        settings,
        rate_limit_anonymous_per_5min=5,
        rate_limit_authenticated_per_5min=8,
        sign_ups_per_30min=2,
        statuses_per_3h=3,
        status_deletions_per_30min=2,
        media_uploads_per_30min=2,
    )


def _reset(response: Any) -> float:
    text = response.headers["X-RateLimit-Reset"]
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def _instance(client: ApiClient, address: str = "192.0.2.1", **kwargs: Any) -> Any:
    return client.get("/api/v1/instance", headers=from_address(address), **kwargs)


def test_every_api_response_carries_the_rate_limit_headers(
    proxied: ApiClient, clock: FakeClock
) -> None:
    first = _instance(proxied)
    assert first.status_code == 200
    assert first.headers["X-RateLimit-Limit"] == "5"
    assert first.headers["X-RateLimit-Remaining"] == "4"
    # Reset: when the whole budget is back (one call refills every 60 s).
    assert _reset(first) == pytest.approx(clock.now + 60, abs=0.01)
    missing = proxied.get("/api/v1/statuses/123", headers=from_address("192.0.2.1"))
    assert missing.status_code == 404
    assert missing.headers["X-RateLimit-Remaining"] == "3"
    # Pages outside the API are not counted.
    assert "X-RateLimit-Limit" not in proxied.get("/.well-known/oauth-authorization-server").headers


def test_anonymous_requests_are_limited_per_address(proxied: ApiClient, clock: FakeClock) -> None:
    for _ in range(5):
        assert _instance(proxied).status_code == 200
    limited = _instance(proxied)
    assert limited.status_code == 429
    assert limited.json() == {"error": "Too many requests"}
    assert limited.headers["X-RateLimit-Remaining"] == "0"
    assert limited.headers["Retry-After"] == "60"
    assert _instance(proxied, "192.0.2.2").status_code == 200
    clock.advance(60)
    assert _instance(proxied).status_code == 200
    assert _instance(proxied).status_code == 429


def test_authenticated_requests_are_limited_per_account(proxied: ApiClient) -> None:
    alice = proxied.make_user("alice")
    bob = proxied.make_user("bob")
    home = "/api/v1/timelines/home"
    for _ in range(8):
        response = proxied.get(home, user=alice, headers=from_address("192.0.2.1"))
        assert response.status_code == 200
    assert response.headers["X-RateLimit-Limit"] == "8"
    assert response.headers["X-RateLimit-Remaining"] == "0"
    # Another address does not help: the budget is the account's.
    assert proxied.get(home, user=alice, headers=from_address("192.0.2.9")).status_code == 429
    # Bob's budget and the address's anonymous budget are untouched.
    assert proxied.get(home, user=bob, headers=from_address("192.0.2.1")).status_code == 200
    assert _instance(proxied).headers["X-RateLimit-Remaining"] == "4"


def test_a_token_in_the_query_string_counts_against_its_account(proxied: ApiClient) -> None:
    alice = proxied.make_user("alice")
    for _ in range(8):
        response = proxied.get(
            f"/api/v1/timelines/home?access_token={alice.token}", headers=from_address("192.0.2.1")
        )
        assert response.status_code == 200
    assert proxied.get("/api/v1/timelines/home", user=alice).status_code == 429
    assert _instance(proxied).headers["X-RateLimit-Remaining"] == "4"


def test_an_invalid_token_counts_against_the_address(proxied: ApiClient) -> None:
    for n in range(5):
        response = proxied.get(
            "/api/v1/timelines/home",
            headers={**bearer(f"made-up-{n}"), **from_address("192.0.2.1")},
        )
        assert response.status_code == 401
    assert _instance(proxied).status_code == 429


def test_an_app_token_has_a_budget_of_its_own(proxied: ApiClient) -> None:
    token = app_token(proxied, register_app(proxied))
    response = proxied.get(
        "/api/v1/apps/verify_credentials", headers={**bearer(token), **from_address("192.0.2.1")}
    )
    assert response.status_code == 200
    assert response.headers["X-RateLimit-Limit"] == "8"


def _sign_up(client: ApiClient, token: str, name: str, address: str) -> Any:
    data = {
        "username": name,
        "email": f"{name}@example.com",
        "password": "a long enough password",
        "agreement": "1",
        "locale": "en",
    }
    return client.post(
        "/api/v1/accounts", data=data, headers={**bearer(token), **from_address(address)}
    )


def test_sign_ups_are_limited_per_address(proxied: ApiClient, clock: FakeClock) -> None:
    token = app_token(proxied, register_app(proxied))
    assert _sign_up(proxied, token, "one", "192.0.2.1").status_code == 200
    assert _sign_up(proxied, token, "two", "192.0.2.1").status_code == 200
    limited = _sign_up(proxied, token, "three", "192.0.2.1")
    assert limited.status_code == 429
    # The headers name the budget that ran out (2 per 30 minutes).
    assert limited.headers["X-RateLimit-Limit"] == "2"
    assert limited.headers["Retry-After"] == "900"
    assert _sign_up(proxied, token, "four", "192.0.2.2").status_code == 200
    clock.advance(900)
    assert _sign_up(proxied, token, "five", "192.0.2.1").status_code == 200


def _post(client: ApiClient, user: Any, text: str) -> Any:
    return client.post("/api/v1/statuses", user=user, json={"status": text})


def test_statuses_are_limited_per_account(proxied: ApiClient, clock: FakeClock) -> None:
    alice = proxied.make_user("alice")
    bob = proxied.make_user("bob")
    first = _post(proxied, alice, "one")
    assert first.status_code == 200
    assert _post(proxied, alice, "two").status_code == 200
    # A reblog is a status too.
    reblog = proxied.post(f"/api/v1/statuses/{first.json()['id']}/reblog", user=alice)
    assert reblog.status_code == 200
    limited = _post(proxied, alice, "four")
    assert limited.status_code == 429
    assert limited.headers["X-RateLimit-Limit"] == "3"
    assert limited.headers["Retry-After"] == "3600"
    assert _post(proxied, bob, "bob's").status_code == 200
    clock.advance(3600)
    assert _post(proxied, alice, "an hour later").status_code == 200


def test_deletions_are_limited_per_account(proxied: ApiClient) -> None:
    alice = proxied.make_user("alice")
    ids = [_post(proxied, alice, text).json()["id"] for text in ("one", "two")]
    assert proxied.delete(f"/api/v1/statuses/{ids[0]}", user=alice).status_code == 200
    assert proxied.delete(f"/api/v1/statuses/{ids[1]}", user=alice).status_code == 200
    third = _post(proxied, alice, "three").json()["id"]
    assert proxied.delete(f"/api/v1/statuses/{third}", user=alice).status_code == 429


def test_the_media_budget_is_ready_for_the_media_endpoint(proxied: ApiClient) -> None:
    services = proxied.services

    async def upload() -> None:
        await spend_media_upload(services, account_id=42)

    proxied.call(upload)
    proxied.call(upload)
    with pytest.raises(RateLimited) as caught:
        proxied.call(upload)
    assert caught.value.limit == 2


def test_one_setting_turns_every_limit_off(settings: Settings, clock: FakeClock) -> None:
    with start_proxied(settings.replace(rate_limits=False), clock) as client:
        for _ in range(10):
            response = _instance(client)
            assert response.status_code == 200
        assert "X-RateLimit-Limit" not in response.headers
        alice = client.make_user("alice")
        for n in range(5):
            assert _post(client, alice, f"post {n}").status_code == 200


def test_the_limit_holds_across_app_servers(
    settings: Settings, clock: FakeClock, backend: str
) -> None:
    if backend != "postgresql+redis":
        pytest.skip("app servers share their limits through Redis")
    with start_proxied(settings, clock) as one, start_proxied(settings, clock) as two:
        codes = [_instance(server).status_code for server in (one, two, one, two, one, two)]
    assert codes == [200, 200, 200, 200, 200, 429]
