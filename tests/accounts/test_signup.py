from __future__ import annotations

from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa

from roost.config import Settings
from roost.db import schema
from tests.helpers import ApiClient
from tests.oauth.support import FULL_SCOPES, app_token, bearer, password_login, register_app


def _sign_up(client: ApiClient, token: str, **fields: Any) -> Any:
    data = {
        "username": "alice",
        "email": "alice@example.com",
        "password": "a long enough password",
        "agreement": "1",
        "locale": "en",
        **fields,
    }
    return client.post("/api/v1/accounts", data=data, headers=bearer(token))


def _account_count(client: ApiClient) -> int:
    async def count() -> int:
        async with client.services.db.read() as conn:
            query = sa.select(sa.func.count()).select_from(schema.accounts)
            return int((await conn.execute(query)).scalar_one())

    return client.call(count)


def test_sign_up_returns_a_working_token(client: ApiClient) -> None:
    app = register_app(client)
    response = _sign_up(
        client,
        app_token(client, app),
        display_name="Alice A.",
        date_of_birth="1990-04-05",
    )
    assert response.status_code == 200, response.text
    token = response.json()
    assert token["token_type"] == "Bearer"
    assert set(token["scope"].split()) == set(FULL_SCOPES.split())
    assert isinstance(token["created_at"], int)
    me = client.get("/api/v1/accounts/verify_credentials", headers=bearer(token["access_token"]))
    assert me.status_code == 200
    body = me.json()
    assert body["username"] == "alice" and body["acct"] == "alice"
    assert body["display_name"] == "Alice A."

    async def stored() -> Any:
        a = schema.accounts
        async with client.services.db.read() as conn:
            return (
                await conn.execute(
                    sa.select(a.c.date_of_birth, a.c.locale, a.c.email).where(
                        a.c.username_key == "alice"
                    )
                )
            ).one()

    row = client.call(stored)
    assert row.date_of_birth == date(1990, 4, 5)
    assert row.locale == "en"
    # The new user can log in with the password grant (by email, as Mastodon.py does).
    assert (
        password_login(client, app, "alice@example.com", "a long enough password").status_code
        == 200
    )


def test_sign_up_with_json_body(client: ApiClient) -> None:
    token = app_token(client, register_app(client))
    response = client.post(
        "/api/v1/accounts",
        json={
            "username": "bob",
            "email": "bob@example.com",
            "password": "a long enough password",
            "agreement": True,
            "locale": "de",
        },
        headers=bearer(token),
    )
    assert response.status_code == 200, response.text


def test_sign_up_needs_an_app_token_with_write_scope(client: ApiClient) -> None:
    app = register_app(client)
    assert client.post("/api/v1/accounts", data={"username": "x"}).status_code == 401
    read_only = app_token(client, app, scope="read")
    assert _sign_up(client, read_only).status_code == 403
    granular = app_token(client, app, scope="write:accounts")
    response = _sign_up(client, granular)
    assert response.status_code == 200 and response.json()["scope"] == "write:accounts"


def test_duplicates_are_rejected_ignoring_case(client: ApiClient) -> None:
    token = app_token(client, register_app(client))
    assert _sign_up(client, token).status_code == 200
    same_name = _sign_up(client, token, username="ALICE", email="other@example.com")
    assert same_name.status_code == 422
    body = same_name.json()
    assert "Username has already been taken" in body["error"]
    assert body["details"]["username"][0]["error"] == "ERR_TAKEN"
    assert "email" not in body["details"]
    same_email = _sign_up(client, token, username="alice2", email="Alice@EXAMPLE.com")
    assert same_email.status_code == 422
    assert same_email.json()["details"]["email"][0]["error"] == "ERR_TAKEN"
    assert _account_count(client) == 1


def test_every_problem_is_reported_and_nothing_written(client: ApiClient) -> None:
    token = app_token(client, register_app(client))
    response = _sign_up(
        client,
        token,
        username="not valid!",
        email="nope",
        password="short",
        agreement="0",
        locale="???",
    )
    assert response.status_code == 422
    body = response.json()
    assert body["error"].startswith("Validation failed: ")
    details = body["details"]
    assert details["username"][0]["error"] == "ERR_INVALID"
    assert details["email"][0]["error"] == "ERR_INVALID"
    assert details["password"][0]["error"] == "ERR_TOO_SHORT"
    assert details["agreement"][0]["error"] == "ERR_ACCEPTED"
    assert details["locale"][0]["error"] == "ERR_INCLUSION"
    assert _account_count(client) == 0


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"agreement": "false"}, "agreement"),
        ({"date_of_birth": "05/04/1990"}, "date_of_birth"),
        ({"date_of_birth": "2999-01-01"}, "date_of_birth"),
        ({"username": ""}, "username"),
        ({"username": "x" * 31}, "username"),
        ({"email": "a\x00b@example.com"}, "email"),
        ({"email": "a@" + "b" * 320 + ".com"}, "email"),
        ({"display_name": "d" * 31}, "display_name"),
    ],
)
def test_single_bad_field(client: ApiClient, fields: dict[str, str], field: str) -> None:
    token = app_token(client, register_app(client))
    response = _sign_up(client, token, **fields)
    assert response.status_code == 422, response.text
    assert field in response.json()["details"]


def test_malformed_json_sign_up_is_400(client: ApiClient) -> None:
    token = app_token(client, register_app(client))
    response = client.post(
        "/api/v1/accounts",
        content=b"{",
        headers={**bearer(token), "Content-Type": "application/json"},
    )
    assert response.status_code == 400


def test_closed_registrations(settings: Settings) -> None:
    with ApiClient.start(settings.replace(registrations_open=False)) as client:
        token = app_token(client, register_app(client))
        response = _sign_up(client, token)
        assert response.status_code == 403
        assert "closed" in response.json()["error"]
