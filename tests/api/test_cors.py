"""CORS as Mastodon serves it: the API and the token endpoints for any
origin, without credentials; never on the HTML authorize pages."""

from __future__ import annotations

import pytest

from tests.helpers import ApiClient
from tests.oauth.support import OOB, register_app
from tests.timelines.support import post

ORIGIN = {"Origin": "https://web-client.example"}


def _preflight(
    client: ApiClient, path: str, method: str, headers: str | None = None
) -> dict[str, str]:
    request_headers = {**ORIGIN, "Access-Control-Request-Method": method}
    if headers is not None:
        request_headers["Access-Control-Request-Headers"] = headers
    response = client.request("OPTIONS", path, headers=request_headers)
    assert response.status_code in (200, 204), (path, response.status_code, response.text)
    return dict(response.headers)


def test_preflight_for_an_authenticated_api_call(client: ApiClient) -> None:
    headers = _preflight(
        client,
        "/api/v1/statuses",
        "POST",
        "authorization, content-type, idempotency-key",
    )
    assert headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in headers
    methods = set(headers["access-control-allow-methods"].split(", "))
    assert {"GET", "POST", "PUT", "PATCH", "DELETE"} <= methods
    allowed = {h.strip().lower() for h in headers["access-control-allow-headers"].split(",")}
    assert {"authorization", "content-type", "idempotency-key"} <= allowed
    assert int(headers["access-control-max-age"]) > 0
    assert headers["x-content-type-options"] == "nosniff"


def test_preflight_with_odd_requested_headers_gets_the_default_list(client: ApiClient) -> None:
    headers = _preflight(client, "/api/v1/timelines/home", "GET", "authorization, bad header\x7f")
    allowed = {h.strip().lower() for h in headers["access-control-allow-headers"].split(",")}
    assert {"authorization", "content-type", "idempotency-key"} <= allowed
    assert "bad header" not in headers["access-control-allow-headers"]


@pytest.mark.parametrize("path", ["/oauth/token", "/oauth/revoke"])
def test_preflight_for_the_token_endpoints(client: ApiClient, path: str) -> None:
    headers = _preflight(client, path, "POST", "content-type")
    assert headers["access-control-allow-origin"] == "*"
    assert "POST" in headers["access-control-allow-methods"]


def test_api_responses_are_readable_cross_origin(client: ApiClient) -> None:
    alice = client.make_user("alice")
    post(client, alice, "hello")
    client.drain()
    response = client.get("/api/v1/timelines/home", user=alice, headers=ORIGIN)
    assert response.status_code == 200 and "link" in response.headers
    assert response.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in response.headers
    exposed = {h.strip() for h in response.headers["access-control-expose-headers"].split(",")}
    assert {"Link", "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"} <= exposed
    # Errors too, or a browser client could not read why it failed.
    refused = client.get("/api/v1/timelines/home", headers=ORIGIN)
    assert refused.status_code == 401
    assert refused.headers["access-control-allow-origin"] == "*"
    app = register_app(client, redirect_uris=OOB)
    token = client.post(
        "/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
        },
        headers=ORIGIN,
    )
    assert token.status_code == 200 and token.headers["access-control-allow-origin"] == "*"


def test_no_cors_on_the_html_authorize_pages(client: ApiClient) -> None:
    page = client.get("/oauth/authorize", headers=ORIGIN)
    assert page.headers["content-type"].startswith("text/html")
    assert "access-control-allow-origin" not in page.headers
    preflight = client.request(
        "OPTIONS",
        "/oauth/authorize",
        headers={**ORIGIN, "Access-Control-Request-Method": "POST"},
    )
    assert preflight.status_code == 405
    assert "access-control-allow-origin" not in preflight.headers
