"""The service container: every backend, built once from Settings.

Handlers reach it as ``ctx.services``; jobs as ``job.services``. The
embedded default and the scale-out deployment differ only in which
implementation each field holds.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable

from roost.accounts.passwords import PasswordHasher
from roost.config import Settings
from roost.db.engine import Database
from roost.ids import IdGenerator
from roost.infra.cache import Cache, MemoryCache
from roost.infra.timeline_store import MemoryTimelineStore, TimelineStore
from roost.jobs.runner import JobRunner, JobWakeups
from roost.oauth.tokens import TokenService


@dataclasses.dataclass(eq=False)
class Services:
    settings: Settings
    db: Database
    ids: IdGenerator
    cache: Cache
    timelines: TimelineStore
    passwords: PasswordHasher = dataclasses.field(init=False)
    tokens: TokenService = dataclasses.field(init=False)
    jobs: JobRunner = dataclasses.field(init=False)
    # Released by close() after the database (e.g. the Redis connection pool).
    closers: list[Callable[[], Awaitable[None]]] = dataclasses.field(default_factory=list)

    def __post_init__(self) -> None:
        self.passwords = PasswordHasher(
            time_cost=self.settings.password_hash_time_cost,
            memory_kib=self.settings.password_hash_memory_kib,
        )
        self.tokens = TokenService(self)
        self.jobs = JobRunner(self)
        register_job_handlers(self.jobs)

    async def close(self) -> None:
        self.jobs.stop()
        await self.db.dispose()
        for closer in self.closers:
            await closer()


def register_job_handlers(runner: JobRunner) -> None:
    """Every domain's background jobs, by kind."""
    from roost.timelines.fanout import JOB_HANDLERS

    for kind, handler in JOB_HANDLERS.items():
        runner.register(kind, handler)


def build_services(settings: Settings) -> Services:
    """Pick each backend from the configuration URLs."""
    db = Database(
        settings.effective_database_url,
        replica_urls=settings.database_replica_urls,
        pool_size=settings.database_pool_size,
    )
    cache: Cache
    timelines: TimelineStore
    closers: list[Callable[[], Awaitable[None]]] = []
    wakeups: JobWakeups | None = None
    if settings.redis_url:
        from roost.infra.redis_backends import (
            RedisCache,
            RedisTimelineStore,
            close_redis,
            connect_redis,
            pool_exhausted,
        )
        from roost.infra.redis_wakeups import RedisWakeups
        from roost.infra.resilient import (
            Health,
            ResilientCache,
            ResilientTimelineStore,
            ResilientWakeups,
            redis_unreachable_errors,
        )

        client = connect_redis(settings.redis_url, pool_size=settings.redis_pool_size)
        prefix = settings.redis_key_prefix
        # While Redis is unreachable the service degrades instead of failing:
        # cache misses, timelines from the database (see infra.resilient).
        health = Health("Redis", errors=redis_unreachable_errors(), busy=pool_exhausted)
        cache = ResilientCache(RedisCache(client, prefix=prefix), health)
        timelines = ResilientTimelineStore(
            RedisTimelineStore(client, capacity=settings.home_timeline_length, prefix=prefix),
            health,
        )
        # App servers wake `roost worker` processes through Redis on commit.
        wakeups = ResilientWakeups(RedisWakeups(client, channel=prefix + "jobs"), health)
        closers.append(lambda: close_redis(client))
    else:
        cache = MemoryCache()
        timelines = MemoryTimelineStore(capacity=settings.home_timeline_length)
    services = Services(
        settings=settings,
        db=db,
        ids=IdGenerator(settings.worker_id),
        cache=cache,
        timelines=timelines,
        closers=closers,
    )
    services.jobs.wakeups = wakeups
    return services
