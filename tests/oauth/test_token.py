from __future__ import annotations

import base64
import time

import pytest
import sqlalchemy as sa

from roost.db import schema
from tests.helpers import ApiClient
from tests.oauth.support import (
    FULL_SCOPES,
    PASSWORD,
    app_token,
    bearer,
    password_login,
    register_app,
    token_request,
)


def test_password_grant_with_email_gives_mastodon_token(client: ApiClient) -> None:
    alice = client.make_user("alice")
    app = register_app(client)
    before = int(time.time())
    response = password_login(client, app, "alice@example.com")
    assert response.status_code == 200, response.text
    token = response.json()
    assert token["token_type"] == "Bearer"
    assert token["scope"] == FULL_SCOPES
    assert before - 1 <= token["created_at"] <= int(time.time()) + 1
    assert token["access_token"] and token["refresh_token"]
    me = client.get("/api/v1/accounts/verify_credentials", headers=bearer(token["access_token"]))
    assert me.status_code == 200 and me.json()["id"] == alice.sid


def test_password_grant_with_username_any_case(client: ApiClient) -> None:
    client.make_user("Alice")
    app = register_app(client)
    response = password_login(client, app, "aLiCe", scope="read")
    assert response.status_code == 200, response.text
    assert response.json()["scope"] == "read"


def test_password_grant_records_last_login(client: ApiClient) -> None:
    alice = client.make_user("alice")
    app = register_app(client)

    async def last_login() -> object:
        a = schema.accounts
        async with client.services.db.read() as conn:
            return (
                await conn.execute(sa.select(a.c.last_login_at).where(a.c.id == alice.id))
            ).scalar()

    assert client.call(last_login) is None
    assert password_login(client, app, "alice").status_code == 200
    assert client.call(last_login) is not None


def test_password_grant_errors(client: ApiClient) -> None:
    client.make_user("alice")
    app = register_app(client, scopes="read write")

    wrong = password_login(client, app, "alice", password="not the password", scope="read")
    assert wrong.status_code == 400
    assert wrong.json()["error"] == "invalid_grant"
    assert wrong.json()["error_description"]
    nobody = password_login(client, app, "nobody@example.com", scope="read")
    assert nobody.status_code == 400 and nobody.json()["error"] == "invalid_grant"

    # Mastodon.py asks for "read write follow push"; this app only has read write.
    too_wide = password_login(client, app, "alice")
    assert too_wide.status_code == 400 and too_wide.json()["error"] == "invalid_scope"
    unknown = password_login(client, app, "alice", scope="read nonsense")
    assert unknown.status_code == 400 and unknown.json()["error"] == "invalid_scope"
    # A granular scope inside a broad one the app has is fine.
    narrow = password_login(client, app, "alice", scope="read:accounts write:statuses")
    assert narrow.status_code == 200 and narrow.json()["scope"] == "read:accounts write:statuses"

    missing = token_request(client, app, grant_type="password", username="alice")
    assert missing.status_code == 400 and missing.json()["error"] == "invalid_request"


def test_client_authentication(client: ApiClient) -> None:
    client.make_user("alice")
    app = register_app(client)
    bad_secret = client.post(
        "/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": app["client_id"],
            "client_secret": "wrong",
        },
    )
    assert bad_secret.status_code == 401
    assert bad_secret.json()["error"] == "invalid_client"
    unknown = client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials", "client_id": "x", "client_secret": "y"},
    )
    assert unknown.status_code == 401 and unknown.json()["error"] == "invalid_client"
    assert client.post("/oauth/token", data={}).status_code == 401

    # RFC 6749 section 2.3.1: credentials in an HTTP Basic header instead.
    basic = base64.b64encode(f"{app['client_id']}:{app['client_secret']}".encode()).decode()
    response = client.post(
        "/oauth/token",
        data={"grant_type": "password", "username": "alice", "password": PASSWORD},
        headers={"Authorization": f"Basic {basic}"},
    )
    assert response.status_code == 200, response.text


def test_grant_type_errors(client: ApiClient) -> None:
    app = register_app(client)
    unsupported = token_request(client, app, grant_type="implicit")
    assert unsupported.status_code == 400
    assert unsupported.json()["error"] == "unsupported_grant_type"
    missing = token_request(client, app)
    assert missing.status_code == 400 and missing.json()["error"] == "invalid_request"


def test_client_credentials_token_is_app_only(client: ApiClient) -> None:
    app = register_app(client)
    response = token_request(client, app, grant_type="client_credentials", scope="read write")
    assert response.status_code == 200
    token = response.json()
    assert token["scope"] == "read write"
    assert "refresh_token" not in token
    headers = bearer(token["access_token"])
    assert client.get("/api/v1/apps/verify_credentials", headers=headers).status_code == 200
    me = client.get("/api/v1/accounts/verify_credentials", headers=headers)
    assert me.status_code == 422
    assert me.json() == {"error": "This method requires an authenticated user"}


def test_refresh_token_rotates(client: ApiClient) -> None:
    client.make_user("alice")
    app = register_app(client)
    first = password_login(client, app, "alice").json()
    old_headers = bearer(first["access_token"])
    assert client.get("/api/v1/accounts/verify_credentials", headers=old_headers).status_code == 200

    wider = token_request(
        client,
        app,
        grant_type="refresh_token",
        refresh_token=first["refresh_token"],
        scope="read write follow push admin:read",
    )
    assert wider.status_code == 400 and wider.json()["error"] == "invalid_scope"

    refreshed = token_request(
        client, app, grant_type="refresh_token", refresh_token=first["refresh_token"]
    )
    assert refreshed.status_code == 200, refreshed.text
    second = refreshed.json()
    assert second["scope"] == FULL_SCOPES
    assert second["access_token"] != first["access_token"]
    new_headers = bearer(second["access_token"])
    assert client.get("/api/v1/accounts/verify_credentials", headers=new_headers).status_code == 200
    # The old pair is dead at once, even though the old token was cached.
    assert client.get("/api/v1/accounts/verify_credentials", headers=old_headers).status_code == 401
    again = token_request(
        client, app, grant_type="refresh_token", refresh_token=first["refresh_token"]
    )
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"

    other_app = register_app(client, name="Other")
    stolen = token_request(
        client, other_app, grant_type="refresh_token", refresh_token=second["refresh_token"]
    )
    assert stolen.status_code == 400 and stolen.json()["error"] == "invalid_grant"


def test_revoke_makes_token_fail_at_once(client: ApiClient) -> None:
    client.make_user("alice")
    app = register_app(client)
    token = password_login(client, app, "alice").json()["access_token"]
    headers = bearer(token)
    # Resolve once so the token sits in the cache.
    assert client.get("/api/v1/accounts/verify_credentials", headers=headers).status_code == 200

    other_app = register_app(client, name="Other")
    foreign = client.post(
        "/oauth/revoke",
        data={
            "client_id": other_app["client_id"],
            "client_secret": other_app["client_secret"],
            "token": token,
        },
    )
    assert foreign.status_code == 403
    assert foreign.json()["error"] == "unauthorized_client"
    assert client.get("/api/v1/accounts/verify_credentials", headers=headers).status_code == 200

    credentials = {"client_id": app["client_id"], "client_secret": app["client_secret"]}
    response = client.post("/oauth/revoke", data={**credentials, "token": token})
    assert response.status_code == 200 and response.json() == {}
    after = client.get("/api/v1/accounts/verify_credentials", headers=headers)
    assert after.status_code == 401
    # Idempotent, and unknown tokens are not an error (RFC 7009).
    assert client.post("/oauth/revoke", data={**credentials, "token": token}).json() == {}
    assert client.post("/oauth/revoke", data={**credentials, "token": "unknown"}).json() == {}
    assert client.post("/oauth/revoke", data=credentials).status_code == 403
    wrong = client.post(
        "/oauth/revoke", data={"client_id": app["client_id"], "client_secret": "x", "token": "t"}
    )
    assert wrong.status_code == 401


def test_revoking_refresh_token_revokes_its_access_token(client: ApiClient) -> None:
    client.make_user("alice")
    app = register_app(client)
    token = password_login(client, app, "alice").json()
    headers = bearer(token["access_token"])
    assert client.get("/api/v1/accounts/verify_credentials", headers=headers).status_code == 200
    response = client.post(
        "/oauth/revoke",
        data={
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
            "token": token["refresh_token"],
        },
    )
    assert response.json() == {}
    assert client.get("/api/v1/accounts/verify_credentials", headers=headers).status_code == 401


def test_app_token_with_read_scope_cannot_write(client: ApiClient) -> None:
    app = register_app(client)
    token = app_token(client, app, scope="read")
    response = client.post(
        "/api/v1/accounts",
        data={
            "username": "x",
            "email": "x@example.com",
            "password": "long enough",
            "agreement": "1",
        },
        headers=bearer(token),
    )
    assert response.status_code == 403


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]"])
def test_token_endpoint_bad_json(client: ApiClient, body: bytes) -> None:
    response = client.post(
        "/oauth/token", content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
