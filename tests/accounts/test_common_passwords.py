"""The most common passwords are refused at sign-up, whatever their length."""

from __future__ import annotations

from typing import Any

import pytest

from roost.accounts.common_passwords import common_passwords, is_common_password
from roost.accounts.service import create_account
from roost.accounts.validation import AccountValidationError
from tests.helpers import ApiClient
from tests.oauth.support import app_token, bearer, register_app


def _sign_up(client: ApiClient, password: str) -> Any:
    token = app_token(client, register_app(client))
    data = {
        "username": "alice",
        "email": "alice@example.com",
        "password": password,
        "agreement": "1",
        "locale": "en",
    }
    return client.post("/api/v1/accounts", data=data, headers=bearer(token))


@pytest.mark.parametrize("password", ["password", "12345678", "Password1", " QWERTYUIOP "])
def test_a_common_password_is_refused_at_sign_up(client: ApiClient, password: str) -> None:
    response = _sign_up(client, password)
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == (
        "Validation failed: Password is too common: choose one that is harder to guess"
    )
    assert body["details"] == {
        "password": [
            {
                "error": "ERR_INVALID",
                "description": "is too common: choose one that is harder to guess",
            }
        ]
    }


def test_an_uncommon_password_is_accepted(client: ApiClient) -> None:
    assert _sign_up(client, "violet kettle under the stairs").status_code == 200


def test_accounts_made_outside_the_api_follow_the_same_rule(client: ApiClient) -> None:
    services = client.services

    async def make() -> int:
        return await create_account(
            services, username="admin", email="admin@example.com", password="iloveyou1"
        )

    with pytest.raises(AccountValidationError) as caught:
        client.call(make)
    assert caught.value.problems == [
        ("password", "ERR_INVALID", "is too common: choose one that is harder to guess")
    ]


def test_the_shipped_list() -> None:
    words = common_passwords()
    assert len(words) >= 9_000
    assert all(word == word.lower().strip() and word for word in words)
    assert is_common_password("Dragon") and not is_common_password("correct horse battery")
