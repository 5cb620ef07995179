"""The API-wide rate limit: a pure ASGI middleware in front of every ``/api/`` route.

Each API request spends one call of a budget (``roost.limits``): per
account for a valid token (per token for an app token without account),
per client address otherwise. Every API response carries the budget's
``X-RateLimit-Limit``, ``-Remaining`` and ``-Reset`` headers (Reset: when the
whole budget is back, RFC 3339); a spent budget answers 429 in the Mastodon
error shape with ``Retry-After``, before any handler runs. A 429 raised by a
narrower budget (sign-ups, statuses) keeps that budget's headers.

Cost per request: one cache call (one Redis round trip) for the budget. The
token is resolved here (from the cache, as the handler would) and handed to
the handler through the scope, so that lookup is not repeated.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from roost.api.auth import VIEWER_KEY, scope_bearer_token
from roost.api.client_address import scope_client_address
from roost.api.errors import domain_error_response
from roost.infra import ratelimit
from roost.infra.ratelimit import Verdict

if TYPE_CHECKING:
    from roost.services import Services

_LIMIT = b"x-ratelimit-limit"


_second: list[tuple[int, str]] = [(-1, "")]


def _reset_text(moment: float) -> str:
    """RFC 3339 with milliseconds, as Mastodon writes it (the formatted
    second is reused: most requests of a second share it)."""
    ms = int(moment * 1000)
    second, milli = divmod(ms, 1000)
    cached_second, text = _second[0]
    if cached_second != second:
        text = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
        _second[0] = (second, text)
    return f"{text}.{milli:03d}Z"


def verdict_headers(verdict: Verdict) -> list[tuple[bytes, bytes]]:
    return [
        (_LIMIT, str(verdict.limit).encode()),
        (b"x-ratelimit-remaining", str(verdict.remaining).encode()),
        (b"x-ratelimit-reset", _reset_text(verdict.reset_at).encode()),
    ]


class RateLimitMiddleware:
    """Spends the caller's API budget on every request under ``/api/``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/api/"):
            await self.app(scope, receive, send)
            return
        services: Services = scope["app"].state.services
        if not services.settings.rate_limits:
            await self.app(scope, receive, send)
            return
        verdict = await self._spend(scope, services)
        if not verdict.passed:
            response = domain_error_response(verdict.error(now=services.clock()))
            await response(scope, receive, send)
            return
        extra = verdict_headers(verdict)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                if not any(name == _LIMIT for name, _ in headers):
                    message["headers"] = headers + extra
            await send(message)

        await self.app(scope, receive, send_with_headers)

    async def _spend(self, scope: Scope, services: Services) -> Verdict:
        settings = services.settings
        limits = services.budgets
        token = scope_bearer_token(scope)
        viewer = await services.tokens.viewer_for(token) if token else None
        if token is not None:
            scope[VIEWER_KEY] = (token, viewer)
        if viewer is None:
            budget, key = limits.anonymous, scope_client_address(scope, settings.trusted_proxies)
        elif viewer.account_id is not None:
            budget, key = limits.authenticated, str(viewer.account_id)
        else:
            budget, key = limits.authenticated, f"app-token:{viewer.token_id}"
        return await ratelimit.take(services.cache, budget, key, now=services.clock())
