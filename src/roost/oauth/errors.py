"""OAuth 2 errors in the RFC 6749 shape Mastodon uses on ``/oauth/*``:
``{"error": "invalid_grant", "error_description": "..."}``."""

from __future__ import annotations

DESCRIPTIONS = {
    "invalid_request": (
        "The request is missing a required parameter, includes an unsupported parameter "
        "value, or is otherwise malformed."
    ),
    "invalid_client": (
        "Client authentication failed due to unknown client, no client authentication "
        "included, or unsupported authentication method."
    ),
    "invalid_grant": (
        "The provided authorization grant is invalid, expired, revoked, does not match the "
        "redirection URI used in the authorization request, or was issued to another client."
    ),
    "invalid_scope": "The requested scope is invalid, unknown, or malformed.",
    "unsupported_grant_type": (
        "The authorization grant type is not supported by the authorization server."
    ),
    "unsupported_response_type": ("The authorization server does not support this response type."),
    "unauthorized_client": "You are not authorized to revoke this token",
    "access_denied": "The resource owner or authorization server denied the request.",
}

_STATUS = {"invalid_client": 401, "unauthorized_client": 403}


class OAuthError(Exception):
    """An OAuth protocol error; ``error`` is one of RFC 6749's codes."""

    def __init__(self, error: str, description: str | None = None) -> None:
        self.error = error
        self.description = description or DESCRIPTIONS.get(error, error)
        self.status = _STATUS.get(error, 400)
        super().__init__(f"{error}: {self.description}")
