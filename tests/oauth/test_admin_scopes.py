"""Admin scopes: an app may declare them, only an admin account gets them."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import sqlalchemy as sa

from roost.db import schema
from roost.kernel.auth import hash_token
from tests.helpers import ApiClient
from tests.oauth.support import (
    OOB,
    password_login,
    redirect_params,
    register_app,
    shown_code,
    submit_login,
    token_request,
)

ADMIN_APP_SCOPES = "read write admin:read admin:write"
CALLBACK = "https://console.example/callback"


def _console(client: ApiClient) -> dict[str, Any]:
    return register_app(client, scopes=ADMIN_APP_SCOPES, redirect_uris=f"{CALLBACK}\n{OOB}")


def _authorize_page(client: ApiClient, app: dict[str, Any], redirect_uri: str) -> str:
    query = urlencode(
        {
            "response_type": "code",
            "client_id": app["client_id"],
            "redirect_uri": redirect_uri,
            "scope": "read admin:read admin:write",
            "state": "s1",
        }
    )
    page = client.get(f"/oauth/authorize?{query}")
    assert page.status_code == 200, page.text
    return page.text


def test_registration_may_declare_admin_scopes(client: ApiClient) -> None:
    assert _console(client)["scopes"] == ADMIN_APP_SCOPES.split()


def test_password_grant_refuses_admin_scopes_to_a_non_admin(client: ApiClient) -> None:
    client.make_user("alice")
    app = _console(client)
    for scope in ("admin:read", "read admin:write", ADMIN_APP_SCOPES):
        response = password_login(client, app, "alice", scope=scope)
        assert response.status_code == 400, response.text
        assert response.json()["error"] == "invalid_scope"
    # Without admin scopes the same login works.
    assert password_login(client, app, "alice", scope="read").status_code == 200


def test_password_grant_gives_admin_scopes_to_an_admin(client: ApiClient) -> None:
    client.make_user("root", is_admin=True)
    app = _console(client)
    response = password_login(client, app, "root", scope=ADMIN_APP_SCOPES)
    assert response.status_code == 200, response.text
    assert response.json()["scope"] == ADMIN_APP_SCOPES


def test_authorization_refuses_admin_scopes_to_a_non_admin(client: ApiClient) -> None:
    client.make_user("alice")
    app = _console(client)
    answer = submit_login(client, _authorize_page(client, app, CALLBACK), "alice")
    params = redirect_params(answer)
    assert params["error"] == "invalid_scope" and params["state"] == "s1"
    assert "code" not in params
    # Out of band: the refusal is shown, no code.
    page = submit_login(client, _authorize_page(client, app, OOB), "alice")
    assert page.status_code == 400 and "authorization-code" not in page.text


def test_authorization_gives_admin_scopes_to_an_admin(client: ApiClient) -> None:
    client.make_user("root", is_admin=True)
    app = _console(client)
    code = shown_code(submit_login(client, _authorize_page(client, app, OOB), "root").text)
    response = token_request(
        client, app, grant_type="authorization_code", code=code, redirect_uri=OOB
    )
    assert response.status_code == 200, response.text
    assert response.json()["scope"] == "read admin:read admin:write"


def test_app_tokens_get_no_admin_scopes(client: ApiClient) -> None:
    app = _console(client)
    response = token_request(client, app, grant_type="client_credentials", scope="admin:read")
    assert response.status_code == 400 and response.json()["error"] == "invalid_scope"


def test_a_demoted_admin_loses_admin_scopes_on_refresh(client: ApiClient) -> None:
    root = client.make_user("root", is_admin=True)
    app = _console(client)
    first = password_login(client, app, "root", scope=ADMIN_APP_SCOPES).json()

    async def demote() -> None:
        a = schema.accounts
        async with client.services.db.write() as conn:
            await conn.execute(a.update().where(a.c.id == root.id).values(is_admin=False))

    client.call(demote)
    response = token_request(
        client, app, grant_type="refresh_token", refresh_token=first["refresh_token"]
    )
    assert response.status_code == 200, response.text
    assert response.json()["scope"] == "read write"


def test_sign_up_token_never_inherits_admin_scopes(client: ApiClient) -> None:
    """Even from an app token that holds admin scopes (issued before the fix)."""
    app = _console(client)
    app_token = "legacy-app-token-with-admin-scopes"

    async def legacy_token() -> None:
        services = client.services
        t = schema.oauth_apps
        async with services.db.write() as conn:
            app_id = (
                await conn.execute(sa.select(t.c.id).where(t.c.client_id == app["client_id"]))
            ).scalar_one()
            await conn.execute(
                schema.oauth_tokens.insert().values(
                    id=services.ids.next_id(),
                    token_hash=hash_token(app_token),
                    refresh_hash=None,
                    app_id=app_id,
                    account_id=None,
                    scopes=ADMIN_APP_SCOPES,
                    created_at=sa.func.now(),
                )
            )

    client.call(legacy_token)
    response = client.post(
        "/api/v1/accounts",
        data={
            "username": "newbie",
            "email": "newbie@example.com",
            "password": "correct horse battery",
            "agreement": "true",
        },
        headers={"Authorization": f"Bearer {app_token}"},
    )
    assert response.status_code == 200, response.text
    assert "admin" not in response.json()["scope"]
    assert set(response.json()["scope"].split()) == {"read", "write"}
