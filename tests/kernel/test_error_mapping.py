"""Domain errors become Mastodon error answers in one place (api/errors.py)."""

from __future__ import annotations

import msgspec
import pytest

from roost.api.errors import domain_error_response
from roost.kernel.errors import (
    DomainError,
    Forbidden,
    NotFound,
    RateLimited,
    Unprocessable,
    ValidationFailed,
)


@pytest.mark.parametrize(
    ("error", "status", "message"),
    [
        (NotFound(), 404, "Record not found"),
        (NotFound("Account"), 404, "Account not found"),
        (ValidationFailed("Text can't be blank"), 422, "Validation failed: Text can't be blank"),
        (Unprocessable("This method requires an authenticated user"), 422, None),
        (Forbidden(), 403, "This action is not allowed"),
        (RateLimited(limit=5, reset_at=1_000.0, now=990.0), 429, "Too many requests"),
    ],
)
def test_each_domain_error_has_its_status_and_mastodon_body(
    error: DomainError, status: int, message: str | None
) -> None:
    response = domain_error_response(error)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/json"
    body = msgspec.json.decode(bytes(response.body))
    assert body == {"error": message or error.message}


def test_validation_details_and_rate_limit_headers_are_carried() -> None:
    details = {"username": [{"error": "ERR_TAKEN", "description": "has already been taken"}]}
    body = msgspec.json.decode(
        bytes(domain_error_response(ValidationFailed("taken", details=details)).body)
    )
    assert body["details"] == details
    limited = domain_error_response(RateLimited(limit=5, reset_at=1_000.0, now=990.5))
    assert limited.headers["x-ratelimit-limit"] == "5"
    assert limited.headers["x-ratelimit-remaining"] == "0"
    assert limited.headers["retry-after"] == "10"
    assert limited.headers["x-ratelimit-reset"] == "1970-01-01T00:16:40.000Z"
