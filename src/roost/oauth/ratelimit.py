"""Login throttling that slows password guessing without locking the owner out.

Three GCRA budgets (``roost.limits``; they refill continuously, so there is
no window edge at which twice the budget gets through):

* per client address, every attempt, right or wrong
  (``ROOST_LOGIN_ATTEMPTS_PER_5MIN``): one address cannot try many accounts;
* per client address and account, wrong passwords only
  (``ROOST_LOGIN_FAILURES_PER_5MIN``): one address cannot guess one account;
* per account, wrong passwords from every address
  (``ROOST_LOGIN_ACCOUNT_FAILURES_PER_HOUR``). Spending it does not lock the
  account: while it is spent (the account is under attack) only addresses
  that have not failed against that account within the last hour get their
  password checked; the others are answered 429. So an attacker spread over
  many addresses gets one guess per address per hour (plus one per refill
  of the account budget), and the owner, from an address that has not
  failed, still logs in with the right password.

Failures are counted after the (slow) password check, and only the budgets'
state is checked before it. A successful login clears its address's
failures for that account.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from roost.infra import ratelimit

if TYPE_CHECKING:
    from roost.services import Services


def _pair(ip: str, account: str) -> str:
    return f"{account}:{ip}"


async def check_login_address(services: Services, *, ip: str) -> None:
    """Spend one login attempt of ``ip``; 429 when its budget is spent."""
    if not services.settings.rate_limits:
        return
    now = services.clock()
    verdict = await ratelimit.take(services.cache, services.budgets.login_attempts, ip, now=now)
    if not verdict.passed:
        raise verdict.error(now=now)


async def check_login_failures(services: Services, *, ip: str, account: str) -> None:
    """Before checking a password for ``account`` from ``ip``: 429 when that
    address has used up its failures against the account, or when the
    account is under attack and this address has failed against it lately."""
    if not services.settings.rate_limits:
        return
    limits = services.budgets
    cache, now = services.cache, services.clock()
    pair = await ratelimit.peek(cache, limits.login_failures, _pair(ip, account), now=now)
    if not pair.passed:
        raise pair.error(now=now)
    whole = await ratelimit.peek(cache, limits.login_account_failures, account, now=now)
    if whole.passed:
        return
    recent = await ratelimit.peek(cache, limits.login_recent_failure, _pair(ip, account), now=now)
    if not recent.passed:
        raise recent.error(now=now)


async def record_login_failure(services: Services, *, ip: str, account: str) -> None:
    """Count a wrong password for ``account`` from ``ip``."""
    if not services.settings.rate_limits:
        return
    limits = services.budgets
    cache, now = services.cache, services.clock()
    pair = _pair(ip, account)
    await ratelimit.take(cache, limits.login_failures, pair, now=now)
    await ratelimit.take(cache, limits.login_recent_failure, pair, now=now)
    await ratelimit.take(cache, limits.login_account_failures, account, now=now)


async def record_login_success(services: Services, *, ip: str, account: str) -> None:
    """Forget ``ip``'s failures against ``account`` (the owner got it right)."""
    if not services.settings.rate_limits:
        return
    limits = services.budgets
    await ratelimit.forget(services.cache, limits.login_failures, _pair(ip, account))
    await ratelimit.forget(services.cache, limits.login_recent_failure, _pair(ip, account))
