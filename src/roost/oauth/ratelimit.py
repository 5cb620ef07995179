"""Login attempt limits, per client IP and per account, in fixed 5-minute windows.

Counters live in the shared cache (``incr``), so every app server behind the
load balancer counts against the same budget when the cache is Redis.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from roost.kernel.errors import RateLimited

if TYPE_CHECKING:
    from roost.services import Services

WINDOW_SECONDS = 300


async def count_login_attempt(services: Services, *, scope: str, key: str) -> None:
    """Count one login attempt for ``scope`` ("ip" or "account") and ``key``;
    429 with ``X-RateLimit-Reset`` once the window's budget is spent.

    Every attempt counts, successful or not, so the check happens before the
    (deliberately slow) password verification."""
    limit = services.settings.login_attempts_per_5min
    now = time.time()
    window = int(now) // WINDOW_SECONDS
    reset_at = (window + 1) * WINDOW_SECONDS
    count = await services.cache.incr(f"login:{scope}:{key}:{window}", ttl=WINDOW_SECONDS + 5)
    if count > limit:
        raise RateLimited(limit=limit, reset_at=reset_at, now=now)
