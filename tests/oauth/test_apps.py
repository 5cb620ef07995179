from __future__ import annotations

import sqlalchemy as sa

from roost.db import schema
from roost.kernel.auth import hash_token
from tests.helpers import ApiClient
from tests.oauth.support import OOB, app_token, bearer, register_app


def _stored_secret(client: ApiClient, client_id: str) -> str:
    async def read() -> str:
        t = schema.oauth_apps
        async with client.services.db.read() as conn:
            row = (
                await conn.execute(sa.select(t.c.client_secret).where(t.c.client_id == client_id))
            ).one()
        return str(row.client_secret)

    return client.call(read)


def test_register_app_like_mastodon_py(client: ApiClient) -> None:
    app = register_app(
        client, scopes="read write", redirect_uris=f"{OOB}\nhttps://app.example/callback"
    )
    assert app["id"].isdigit()
    assert app["name"] == "Test client"
    assert app["website"] is None
    assert app["scopes"] == ["read", "write"]
    assert app["redirect_uris"] == [OOB, "https://app.example/callback"]
    assert app["redirect_uri"] == f"{OOB}\nhttps://app.example/callback"
    assert len(app["client_id"]) >= 32 and len(app["client_secret"]) >= 32
    # The instance's Web Push server key (the v1 place Mastodon shows it).
    assert app["vapid_key"] == client.services.vapid.server_key  # type: ignore[union-attr]
    # Only the secret's hash is kept.
    stored = _stored_secret(client, app["client_id"])
    assert stored == hash_token(app["client_secret"]) != app["client_secret"]


def test_register_app_with_json_list_and_default_scope(client: ApiClient) -> None:
    response = client.post(
        "/api/v1/apps",
        json={
            "client_name": "toot",
            "redirect_uris": ["myapp://oauth", OOB],
            "website": "https://toot.example",
        },
    )
    assert response.status_code == 200, response.text
    app = response.json()
    assert app["scopes"] == ["read"]
    assert app["redirect_uris"] == ["myapp://oauth", OOB]
    assert app["website"] == "https://toot.example"


def test_register_app_rejects_bad_input(client: ApiClient) -> None:
    def attempt(**data: str) -> tuple[int, str]:
        base = {"client_name": "x", "redirect_uris": OOB}
        response = client.post("/api/v1/apps", data={**base, **data})
        return response.status_code, response.json()["error"]

    status, error = attempt(client_name="  ")
    assert status == 422 and "name" in error
    status, error = attempt(redirect_uris="not a uri")
    assert status == 422 and "Redirect URI" in error
    status, error = attempt(redirect_uris="https://app.example/cb#fragment")
    assert status == 422
    status, error = attempt(scopes="read bogus")
    assert status == 422 and "bogus" in error
    status, error = attempt(website="javascript:alert(1)")
    assert status == 422
    status, error = attempt(client_name="n" * 201)
    assert status == 422 and "too long" in error
    # NUL (PostgreSQL text cannot hold it) is refused by the request parser.
    status, error = attempt(client_name="a\x00b")
    assert status == 422 and "NUL" in error


def test_malformed_json_is_400(client: ApiClient) -> None:
    response = client.post(
        "/api/v1/apps", content=b'{"client_name": ', headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert "error" in response.json()


def test_verify_app_credentials(client: ApiClient) -> None:
    app = register_app(client, scopes="read write")
    token = app_token(client, app, scope="read")
    response = client.get("/api/v1/apps/verify_credentials", headers=bearer(token))
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "Test client"
    assert body["scopes"] == ["read", "write"]
    assert "client_secret" not in body and "client_id" not in body

    assert client.get("/api/v1/apps/verify_credentials").status_code == 401
    bad = client.get("/api/v1/apps/verify_credentials", headers=bearer("nope"))
    assert bad.status_code == 401
    assert bad.json() == {"error": "The access token is invalid"}
