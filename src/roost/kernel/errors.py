"""Domain errors: raised by services, turned into HTTP answers by ``roost.api``.

A service says what went wrong (the record is missing, the input is invalid,
the caller may not do this, a budget is spent); the API layer alone decides
the status code and the Mastodon error body.
"""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error a service raises on purpose."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(DomainError):
    """The record does not exist, or the caller may not know that it does."""

    def __init__(self, what: str = "Record") -> None:
        super().__init__(f"{what} not found")


class ValidationFailed(DomainError):
    """The input breaks a rule. ``details`` names each field's problems, in
    Mastodon's ``{"field": [{"error": "ERR_...", "description": "..."}]}`` shape."""

    def __init__(
        self, reason: str, *, details: dict[str, list[dict[str, str]]] | None = None
    ) -> None:
        super().__init__(f"Validation failed: {reason}")
        self.details = details


class Forbidden(DomainError):
    """The caller is known but may not do this."""

    def __init__(self, message: str = "This action is not allowed") -> None:
        super().__init__(message)


class Unprocessable(DomainError):
    """A well-formed request that cannot be carried out as asked (422 without
    the "Validation failed" prefix, e.g. a method that needs a user token)."""


class RateLimited(DomainError):
    """A budget is spent; ``reset_at`` is when (Unix seconds) it is whole
    again, ``retry_after`` how many seconds until the next call may pass
    (the whole wait by default)."""

    def __init__(
        self,
        *,
        limit: int,
        reset_at: float,
        now: float,
        retry_after: float | None = None,
        message: str = "Too many requests",
    ) -> None:
        super().__init__(message)
        self.limit = limit
        self.reset_at = reset_at
        self.remaining = 0
        wait = reset_at - now if retry_after is None else retry_after
        self.retry_after = max(1, int(wait + 0.999))
