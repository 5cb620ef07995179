"""Liveness and readiness: what a load balancer or supervisor asks a server.

* Live: the process runs its event loop and answers HTTP. Nothing else is
  looked at, so a supervisor restarts only a process that is truly stuck.
* Ready: this server should get new requests. It is ready when it is not
  draining (shutting down, see ``roost.lifecycle``), the database answers,
  and its schema is at the migration head this code expects. Redis is
  reported but does not decide: when it is unreachable every app server
  degrades the same way (cache misses, timelines from the database; see
  ``roost.infra.resilient``), so taking them all out of the balancer would
  turn a slower service into no service.

Each check is one round trip, bounded in time, and never cached: a
balancer probing every second sees a change within a second.
"""

from __future__ import annotations

import asyncio
import dataclasses
from typing import TYPE_CHECKING

from roost import lifecycle
from roost.db.migrate import applied_revisions, head_revisions

if TYPE_CHECKING:
    from roost.services import Services

# Each backend gets this long to answer a check; a frozen one fails it.
CHECK_TIMEOUT_SECONDS = 2.0

OK = "ok"


@dataclasses.dataclass(frozen=True, slots=True)
class Readiness:
    ready: bool
    # database, migrations, redis -> "ok" or what is wrong; draining -> state.
    checks: dict[str, str]

    @property
    def reason(self) -> str:
        """Why the server is not ready (empty when it is)."""
        if lifecycle.draining():
            return "draining"
        return ", ".join(f"{name}: {state}" for name, state in self.checks.items() if state != OK)


async def _database(services: Services) -> tuple[str, str]:
    """(database state, migrations state)."""
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_SECONDS):
            async with services.db.read(primary=True) as conn:
                applied = await applied_revisions(conn)
    except TimeoutError:
        return "timed out", "unknown"
    except Exception as exc:  # any failure to reach it is "not ready", with its name
        return f"unreachable ({type(exc).__name__})", "unknown"
    heads = head_revisions()
    if applied == heads:
        return OK, OK
    if not applied:
        return OK, "not migrated"
    return OK, f"at {', '.join(sorted(applied))}, expected {', '.join(sorted(heads))}"


async def _redis(services: Services) -> str:
    ping = services.redis_ping
    if ping is None:
        return "not configured"
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_SECONDS / 2):
            await ping()
    except Exception:  # unreachable, frozen, refusing: all mean degraded
        return "degraded (unreachable: serving from the database)"
    return OK


async def readiness(services: Services) -> Readiness:
    if lifecycle.draining():
        return Readiness(ready=False, checks={"draining": "yes"})
    (database, migrations), redis = await asyncio.gather(_database(services), _redis(services))
    checks = {"database": database, "migrations": migrations, "redis": redis}
    return Readiness(ready=database == OK and migrations == OK, checks=checks)
