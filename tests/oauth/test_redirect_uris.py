"""Which redirect URIs an app may register, and that the authorize page never
sends a browser anywhere else."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlencode

import pytest

from roost.db import schema
from tests.helpers import ApiClient
from tests.oauth.support import OOB, register_app, submit_login

REFUSED = [
    "javascript:alert(document.cookie)",
    "JavaScript://%0aalert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "file:///etc/passwd",
    "blob:https://client.example/1234",
    "https://client.example/cb#fragment",
    "https://client.example/c b",
    "https://client.example/cb\x00",
    "https://client.example/cb\u202e",
    "https://client.example/cb\x7f",
    "https://" + "a" * 2000 + ".example/",
    "https:client.example",
    "https://trusted.example@evil.example/",
    "http://",
    "not a uri",
    "relative/path",
]

ALLOWED = [
    "https://client.example/callback?x=1",
    "http://localhost:4000/callback",
    "http://client.example/callback",
    "com.example.app://callback",
    "myapp:/oauth",
    OOB,
]


@pytest.mark.parametrize("uri", REFUSED)
def test_registration_refuses_dangerous_redirect_uris(client: ApiClient, uri: str) -> None:
    as_form = client.post("/api/v1/apps", data={"client_name": "x", "redirect_uris": uri})
    as_json = client.post("/api/v1/apps", json={"client_name": "x", "redirect_uris": [OOB, uri]})
    for response in (as_form, as_json):
        assert response.status_code == 422, (uri, response.text)
        error = response.json()["error"]
        # A NUL is refused for every field by the request parser, before the
        # redirect URI rules see it.
        assert ("NUL character" if "\x00" in uri else "Redirect URI") in error


def test_registration_allows_web_app_and_out_of_band_uris(client: ApiClient) -> None:
    app = register_app(client, redirect_uris="\n".join(ALLOWED))
    assert app["redirect_uris"] == ALLOWED


def _register_raw(client: ApiClient, redirect_uri: str) -> str:
    """An app stored before such URIs were refused (straight into the table)."""

    async def insert() -> str:
        services = client.services
        client_id = f"legacy-{services.ids.next_id()}"
        async with services.db.write() as conn:
            await conn.execute(
                schema.oauth_apps.insert().values(
                    id=services.ids.next_id(),
                    name="legacy",
                    website=None,
                    redirect_uris=redirect_uri,
                    scopes="read",
                    client_id=client_id,
                    client_secret="x" * 43,
                    created_at=datetime.now(UTC),
                )
            )
        return client_id

    return client.call(insert)


@pytest.mark.parametrize("uri", ["javascript:alert(1)", "data:text/html,hi"])
def test_authorization_never_redirects_to_a_refused_scheme(client: ApiClient, uri: str) -> None:
    client.make_user("alice")
    client_id = _register_raw(client, uri)
    query = urlencode({"response_type": "code", "client_id": client_id, "redirect_uri": uri})
    page = client.get(f"/oauth/authorize?{query}", follow_redirects=False)
    assert page.status_code == 400 and "not allowed" in page.text
    # Posting the approval directly (no page) is refused the same way.
    fields = {"response_type": "code", "client_id": client_id, "redirect_uri": uri}
    answer = client.post(
        "/oauth/authorize",
        data={**fields, "username": "alice", "password": "correct horse battery"},
        follow_redirects=False,
    )
    assert answer.status_code == 400 and "location" not in answer.headers
    # A refused request (bad response type) is not sent there either.
    denied = client.get(
        "/oauth/authorize?" + urlencode({"response_type": "token", "client_id": client_id}),
        follow_redirects=False,
    )
    assert denied.status_code == 400 and "location" not in denied.headers


def test_custom_scheme_receives_the_code(client: ApiClient) -> None:
    client.make_user("alice")
    app = register_app(client, redirect_uris="com.example.app://callback")
    query = urlencode({"response_type": "code", "client_id": app["client_id"], "scope": "read"})
    page = client.get(f"/oauth/authorize?{query}")
    assert page.status_code == 200
    answer = submit_login(client, page.text, "alice")
    assert answer.status_code == 302
    assert answer.headers["location"].startswith("com.example.app://callback?code=")
