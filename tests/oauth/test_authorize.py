from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa

from roost.db import schema
from tests.helpers import ApiClient
from tests.oauth.support import (
    FULL_SCOPES,
    OOB,
    bearer,
    pkce_pair,
    read_form,
    redirect_params,
    register_app,
    shown_code,
    submit_login,
    token_request,
)

CALLBACK = "https://client.example/callback"


def _authorize_url(app: dict[str, object], path: str = "/oauth/authorize", **extra: str) -> str:
    params = {
        "response_type": "code",
        "client_id": str(app["client_id"]),
        "redirect_uri": CALLBACK,
        "scope": FULL_SCOPES,
        **extra,
    }
    return f"{path}?{urlencode(params)}"


def _code_via_redirect(client: ApiClient, app: dict[str, object], **extra: str) -> str:
    page = client.get(_authorize_url(app, **extra))
    assert page.status_code == 200
    params = redirect_params(submit_login(client, page.text, "alice"))
    return params["code"]


def test_full_authorization_code_flow_with_pkce(client: ApiClient) -> None:
    alice = client.make_user("alice")
    app = register_app(client, redirect_uris=CALLBACK)
    verifier, challenge = pkce_pair()
    page = client.get(
        _authorize_url(app, state="xyz 123", code_challenge=challenge, code_challenge_method="S256")
    )
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["cache-control"] == "no-store"
    assert "Test client" in page.text and "<code>write</code>" in page.text
    form = read_form(page.text)
    assert form.action == "/oauth/authorize"
    assert form.fields["code_challenge"] == challenge
    assert form.fields["state"] == "xyz 123"

    redirected = submit_login(client, page.text, "alice@example.com")
    assert redirected.headers["location"].startswith(CALLBACK + "?")
    params = redirect_params(redirected)
    assert params["state"] == "xyz 123"

    response = token_request(
        client,
        app,
        grant_type="authorization_code",
        code=params["code"],
        redirect_uri=CALLBACK,
        code_verifier=verifier,
        scope=FULL_SCOPES,
    )
    assert response.status_code == 200, response.text
    token = response.json()
    assert token["scope"] == FULL_SCOPES and token["token_type"] == "Bearer"
    me = client.get("/api/v1/accounts/verify_credentials", headers=bearer(token["access_token"]))
    assert me.status_code == 200 and me.json()["id"] == alice.sid


def test_wrong_verifier_is_rejected_and_burns_the_code(client: ApiClient) -> None:
    client.make_user("alice")
    app = register_app(client, redirect_uris=CALLBACK)
    verifier, challenge = pkce_pair("a")
    code = _code_via_redirect(client, app, code_challenge=challenge, code_challenge_method="S256")
    exchange = {"grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK}

    wrong = token_request(client, app, **exchange, code_verifier=pkce_pair("b")[0])
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
    # Single use: even the right verifier is too late now.
    late = token_request(client, app, **exchange, code_verifier=verifier)
    assert late.status_code == 400 and late.json()["error"] == "invalid_grant"


def test_missing_verifier_is_rejected(client: ApiClient) -> None:
    client.make_user("alice")
    app = register_app(client, redirect_uris=CALLBACK)
    _verifier, challenge = pkce_pair()
    code = _code_via_redirect(client, app, code_challenge=challenge, code_challenge_method="S256")
    response = token_request(
        client, app, grant_type="authorization_code", code=code, redirect_uri=CALLBACK
    )
    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"


def test_plain_pkce_method(client: ApiClient) -> None:
    client.make_user("alice")
    app = register_app(client, redirect_uris=CALLBACK)
    verifier = "p" * 50
    code = _code_via_redirect(client, app, code_challenge=verifier)  # method defaults to plain
    response = token_request(
        client,
        app,
        grant_type="authorization_code",
        code=code,
        redirect_uri=CALLBACK,
        code_verifier=verifier,
    )
    assert response.status_code == 200, response.text


def test_code_reuse_is_rejected(client: ApiClient) -> None:
    client.make_user("alice")
    app = register_app(client, redirect_uris=CALLBACK)
    code = _code_via_redirect(client, app)
    exchange = {"grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK}
    assert token_request(client, app, **exchange).status_code == 200
    again = token_request(client, app, **exchange)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"


def test_code_bound_to_client_and_redirect(client: ApiClient) -> None:
    client.make_user("alice")
    app = register_app(client, redirect_uris=f"{CALLBACK}\nhttps://client.example/other")
    other = register_app(client, redirect_uris=CALLBACK, name="Other")
    code = _code_via_redirect(client, app)
    stolen = token_request(
        client, other, grant_type="authorization_code", code=code, redirect_uri=CALLBACK
    )
    assert stolen.status_code == 400 and stolen.json()["error"] == "invalid_grant"
    mismatch = token_request(
        client,
        app,
        grant_type="authorization_code",
        code=code,
        redirect_uri="https://client.example/other",
    )
    assert mismatch.status_code == 400 and mismatch.json()["error"] == "invalid_grant"


def test_expired_code_is_rejected(client: ApiClient) -> None:
    client.make_user("alice")
    app = register_app(client, redirect_uris=CALLBACK)
    code = _code_via_redirect(client, app)

    async def expire() -> None:
        c = schema.oauth_codes
        async with client.services.db.write() as conn:
            await conn.execute(
                c.update().values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
            )

    client.call(expire)
    response = token_request(
        client, app, grant_type="authorization_code", code=code, redirect_uri=CALLBACK
    )
    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"


def test_out_of_band_shows_code_on_trailing_slash_path(client: ApiClient) -> None:
    client.make_user("alice")
    app = register_app(client, redirect_uris=OOB)
    # As Mastodon.py's auth_request_url builds it, including its literal "None"s.
    query = urlencode(
        {
            "client_id": app["client_id"],
            "response_type": "code",
            "redirect_uri": OOB,
            "scope": FULL_SCOPES,
            "force_login": False,
            "state": None,
            "lang": None,
        }
    )
    page = client.get(f"/oauth/authorize/?{query}")
    assert page.status_code == 200
    assert read_form(page.text).action == "/oauth/authorize/"
    shown = submit_login(client, page.text, "alice")
    assert shown.status_code == 200
    assert shown.headers["referrer-policy"] == "no-referrer"
    code = shown_code(shown.text)
    response = token_request(
        client, app, grant_type="authorization_code", code=code, redirect_uri=OOB
    )
    assert response.status_code == 200, response.text


def test_wrong_password_shows_the_form_again(client: ApiClient) -> None:
    client.make_user("alice")
    app = register_app(client, redirect_uris=CALLBACK)
    page = client.get(_authorize_url(app)).text
    again = submit_login(client, page, "alice", password="not it")
    assert again.status_code == 401
    assert "Invalid login or password" in again.text
    assert read_form(again.text).fields["username"] == "alice"

    async def codes() -> int:
        async with client.services.db.read() as conn:
            return int(
                (
                    await conn.execute(sa.select(sa.func.count()).select_from(schema.oauth_codes))
                ).scalar_one()
            )

    assert client.call(codes) == 0


def test_untrusted_requests_are_never_redirected(client: ApiClient) -> None:
    app = register_app(client, redirect_uris=CALLBACK)
    unknown = client.get(_authorize_url({"client_id": "nope"}), follow_redirects=False)
    assert unknown.status_code == 400 and "Unknown client" in unknown.text
    evil = client.get(
        _authorize_url(app, redirect_uri="https://evil.example/steal"), follow_redirects=False
    )
    assert evil.status_code == 400 and "redirect URI" in evil.text


def test_client_errors_go_back_to_the_client(client: ApiClient) -> None:
    client.make_user("alice")
    app = register_app(client, scopes="read", redirect_uris=CALLBACK)
    wide = client.get(_authorize_url(app, state="s1"), follow_redirects=False)
    params = redirect_params(wide)
    assert params["error"] == "invalid_scope" and params["state"] == "s1"
    assert params["error_description"]
    token_flow = client.get(
        _authorize_url(app, response_type="token", scope="read"), follow_redirects=False
    )
    assert redirect_params(token_flow)["error"] == "unsupported_response_type"
    bad_pkce = client.get(
        _authorize_url(app, scope="read", code_challenge="short"), follow_redirects=False
    )
    assert redirect_params(bad_pkce)["error"] == "invalid_request"

    page = client.get(_authorize_url(app, scope="read", state="s2")).text
    denied = submit_login(client, page, "alice", password="", decision="deny")
    params = redirect_params(denied)
    assert params["error"] == "access_denied" and params["state"] == "s2"
    assert "code" not in params


def test_page_escapes_app_supplied_text(client: ApiClient) -> None:
    app = register_app(client, redirect_uris=CALLBACK, name="<script>alert(1)</script>")
    page = client.get(_authorize_url(app, state='"><script>x</script>'))
    assert page.status_code == 200
    assert "<script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text


@pytest.mark.parametrize("path", ["/oauth/authorize", "/oauth/authorize/"])
def test_post_without_anything_is_an_error_page(client: ApiClient, path: str) -> None:
    response = client.post(path, data={}, follow_redirects=False)
    assert response.status_code == 400
