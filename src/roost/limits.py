"""The deployment's rate-limit budgets, from Settings, and spending them.

Every budget is a GCRA bucket (``roost.infra.ratelimit``) in the shared
cache. ``ROOST_RATE_LIMITS=false`` turns all of them off at once. Domain
services call ``spend`` with the budget and the key it is counted by
(an address, an account id); a spent budget raises ``RateLimited`` (429).
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from roost.config import Settings
from roost.infra import ratelimit
from roost.infra.ratelimit import Budget, Verdict

if TYPE_CHECKING:
    from roost.services import Services

MINUTE = 60.0


@dataclasses.dataclass(frozen=True, slots=True)
class Budgets:
    anonymous: Budget
    authenticated: Budget
    sign_ups: Budget
    login_attempts: Budget
    login_failures: Budget
    login_account_failures: Budget
    # One failure per address and account, remembered as long as the account
    # budget's period: who failed lately while an account is under attack.
    login_recent_failure: Budget
    statuses: Budget
    status_deletions: Budget
    media_uploads: Budget


def build_budgets(s: Settings) -> Budgets:
    """The budgets ``s`` configures (built once per process, in Services)."""
    return Budgets(
        anonymous=Budget("api-ip", s.rate_limit_anonymous_per_5min, 5 * MINUTE),
        authenticated=Budget("api-account", s.rate_limit_authenticated_per_5min, 5 * MINUTE),
        sign_ups=Budget("sign-up", s.sign_ups_per_30min, 30 * MINUTE),
        login_attempts=Budget("login-ip", s.login_attempts_per_5min, 5 * MINUTE),
        login_failures=Budget("login-fail", s.login_failures_per_5min, 5 * MINUTE),
        login_account_failures=Budget(
            "login-account-fail", s.login_account_failures_per_hour, 60 * MINUTE
        ),
        login_recent_failure=Budget("login-recent-fail", 1, 60 * MINUTE),
        statuses=Budget("statuses", s.statuses_per_3h, 180 * MINUTE),
        status_deletions=Budget("status-deletions", s.status_deletions_per_30min, 30 * MINUTE),
        media_uploads=Budget("media", s.media_uploads_per_30min, 30 * MINUTE),
    )


def enabled(services: Services) -> bool:
    return services.settings.rate_limits


async def spend(services: Services, budget: Budget, key: str | int) -> Verdict | None:
    """Spend one call of ``budget`` for ``key``; 429 (``RateLimited``) when it
    is used up. None when rate limits are off."""
    if not services.settings.rate_limits:
        return None
    now = services.clock()
    verdict = await ratelimit.take(services.cache, budget, str(key), now=now)
    if not verdict.passed:
        raise verdict.error(now=now)
    return verdict


async def spend_sign_up(services: Services, *, address: str) -> None:
    """Count one sign-up attempt from ``address``."""
    await spend(services, services.budgets.sign_ups, address)


async def spend_status(services: Services, *, account_id: int) -> None:
    """Count one status (post or reblog) by ``account_id``."""
    await spend(services, services.budgets.statuses, account_id)


async def spend_status_deletion(services: Services, *, account_id: int) -> None:
    """Count one status deletion (or un-reblog) by ``account_id``."""
    await spend(services, services.budgets.status_deletions, account_id)


async def spend_media_upload(services: Services, *, account_id: int) -> None:
    """Count one media upload (an attachment, avatar or header) by ``account_id``."""
    await spend(services, services.budgets.media_uploads, account_id)
