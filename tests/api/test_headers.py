"""Headers on every response: nosniff, no-store where a secret is shown,
Allow on every 405."""

from __future__ import annotations

import pytest

from tests.helpers import ApiClient
from tests.oauth.support import OOB, app_token, bearer, password_login, register_app


def test_every_kind_of_response_says_nosniff(client: ApiClient) -> None:
    alice = client.make_user("alice")
    responses = [
        client.get("/api/v1/timelines/home", user=alice),  # JSON
        client.get("/api/v1/timelines/home"),  # 401
        client.get("/api/v1/nothing-here"),  # 404
        client.post("/api/v1/instance"),  # 405
        client.get("/oauth/authorize"),  # HTML
        client.get("/openapi.json"),
        client.post("/oauth/token", data={"grant_type": "password"}),  # OAuth error
    ]
    for response in responses:
        assert response.headers["x-content-type-options"] == "nosniff", response.request.url


def test_secrets_are_never_stored_by_caches(client: ApiClient) -> None:
    client.make_user("alice")
    registered = client.post(
        "/api/v1/apps", data={"client_name": "x", "redirect_uris": OOB, "scopes": "read write"}
    )
    assert registered.status_code == 200
    assert registered.headers["cache-control"] == "no-store"
    app = registered.json()
    login = password_login(client, app, "alice", scope="read")
    assert login.status_code == 200 and login.headers["cache-control"] == "no-store"
    signed_up = client.post(
        "/api/v1/accounts",
        data={
            "username": "bob",
            "email": "bob@example.com",
            "password": "correct horse battery",
            "agreement": "true",
        },
        headers=bearer(app_token(client, app, scope="write")),
    )
    assert signed_up.status_code == 200, signed_up.text
    assert signed_up.headers["cache-control"] == "no-store"
    # The redirect that carries an authorization code.
    web = register_app(client, redirect_uris="https://client.example/cb")
    redirect = client.post(
        "/oauth/authorize",
        data={
            "response_type": "code",
            "client_id": web["client_id"],
            "username": "alice",
            "password": "correct horse battery",
        },
        follow_redirects=False,
    )
    assert redirect.status_code == 302 and "code=" in redirect.headers["location"]
    assert redirect.headers["cache-control"] == "no-store"


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("POST", "/api/v1/instance", {"GET", "HEAD"}),
        ("POST", "/api/v1/statuses/1", {"GET", "HEAD", "PUT", "DELETE"}),
        ("PATCH", "/api/v1/statuses/1", {"GET", "HEAD", "PUT", "DELETE"}),
        ("DELETE", "/oauth/token", {"POST"}),
        ("OPTIONS", "/oauth/authorize", {"GET", "HEAD", "POST"}),
    ],
)
def test_every_405_says_what_is_allowed(
    client: ApiClient, method: str, path: str, allowed: set[str]
) -> None:
    response = client.request(method, path)
    assert response.status_code == 405
    assert response.json() == {"error": "Method not allowed"}
    assert set(response.headers["allow"].split(", ")) == allowed
