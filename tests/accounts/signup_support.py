"""Signing up through the API, and settings for the sign-up modes."""

from __future__ import annotations

from typing import Any

import httpx2 as httpx

from roost.accounts.store import find_account_id
from tests.helpers import ApiClient, User
from tests.oauth.support import app_token, bearer

PASSWORD = "a long enough password"


def sign_up(client: ApiClient, app: dict[str, Any], username: str, **fields: Any) -> httpx.Response:
    data = {
        "username": username,
        "email": f"{username}@example.com",
        "password": PASSWORD,
        "agreement": "1",
        "locale": "en",
        **fields,
    }
    return client.post("/api/v1/accounts", data=data, headers=bearer(app_token(client, app)))


def signed_up(client: ApiClient, app: dict[str, Any], username: str, **fields: Any) -> User:
    """Sign up and return the new account's token, as the client got it."""
    response = sign_up(client, app, username, **fields)
    assert response.status_code == 200, response.text
    token = response.json()["access_token"]
    return User(account_id(client, username), username, token)


def account_id(client: ApiClient, username: str) -> int:
    async def find() -> int:
        async with client.services.db.read(primary=True) as conn:
            found = await find_account_id(conn, username)
        assert found is not None
        return found

    return client.call(find)


def post_status(client: ApiClient, user: User, text: str = "hello") -> httpx.Response:
    return client.post("/api/v1/statuses", data={"status": text}, user=user)
