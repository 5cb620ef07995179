"""Helpers for driving the OAuth endpoints like a real client would."""

from __future__ import annotations

import base64
import hashlib
import re
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.helpers import ApiClient

OOB = "urn:ietf:wg:oauth:2.0:oob"
FULL_SCOPES = "read write follow push"
PASSWORD = "correct horse battery"


def register_app(
    client: ApiClient,
    *,
    scopes: str = FULL_SCOPES,
    redirect_uris: str = OOB,
    name: str = "Test client",
) -> dict[str, Any]:
    """Register an app the way Mastodon.py does (form-encoded)."""
    response = client.post(
        "/api/v1/apps",
        data={"client_name": name, "redirect_uris": redirect_uris, "scopes": scopes},
    )
    assert response.status_code == 200, response.text
    app: dict[str, Any] = response.json()
    return app


def token_request(client: ApiClient, app: dict[str, Any], **params: str) -> Any:
    data = {"client_id": app["client_id"], "client_secret": app["client_secret"], **params}
    return client.post("/oauth/token", data=data)


def password_login(
    client: ApiClient,
    app: dict[str, Any],
    login: str,
    password: str = PASSWORD,
    scope: str = FULL_SCOPES,
) -> Any:
    return token_request(
        client, app, grant_type="password", username=login, password=password, scope=scope
    )


def app_token(client: ApiClient, app: dict[str, Any], scope: str = FULL_SCOPES) -> str:
    response = token_request(client, app, grant_type="client_credentials", scope=scope)
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def pkce_pair(seed: str = "v") -> tuple[str, str]:
    """A (verifier, S256 challenge) pair."""
    verifier = (seed * 64)[:64]
    digest = hashlib.sha256(verifier.encode()).digest()
    challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    return verifier, challenge


class FormReader(HTMLParser):
    """Collects the first form's action and its input fields."""

    def __init__(self) -> None:
        super().__init__()
        self.action: str | None = None
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "form" and self.action is None:
            self.action = values.get("action", "")
        elif tag == "input" and "name" in values and values.get("type") != "submit":
            self.fields[values["name"]] = values.get("value", "")


def read_form(page: str) -> FormReader:
    reader = FormReader()
    reader.feed(page)
    return reader


def submit_login(
    client: ApiClient, page: str, login: str, password: str = PASSWORD, decision: str = "approve"
) -> Any:
    """Fill the authorize page's form like a browser and post it."""
    form = read_form(page)
    assert form.action, "no form on the page"
    data = {**form.fields, "username": login, "password": password, "decision": decision}
    return client.post(form.action, data=data, follow_redirects=False)


def redirect_params(response: Any) -> dict[str, str]:
    assert response.status_code == 302, response.text
    query = parse_qs(urlsplit(response.headers["location"]).query)
    return {k: v[0] for k, v in query.items()}


def shown_code(page: str) -> str:
    match = re.search(r'id="authorization-code">([^<]+)<', page)
    assert match, "no code on the page"
    return match.group(1)
