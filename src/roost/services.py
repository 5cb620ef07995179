"""The service container: every backend, built once from Settings.

Handlers reach it as ``ctx.services``; jobs as ``job.services``. The
embedded default and the scale-out deployment differ only in which
implementation each field holds.
"""

from __future__ import annotations

import dataclasses

from roost.config import Settings
from roost.db.engine import Database
from roost.ids import IdGenerator
from roost.infra.cache import Cache, MemoryCache
from roost.infra.timeline_store import MemoryTimelineStore, TimelineStore
from roost.jobs.runner import JobRunner
from roost.oauth.tokens import TokenService


@dataclasses.dataclass(eq=False)
class Services:
    settings: Settings
    db: Database
    ids: IdGenerator
    cache: Cache
    timelines: TimelineStore
    tokens: TokenService = dataclasses.field(init=False)
    jobs: JobRunner = dataclasses.field(init=False)

    def __post_init__(self) -> None:
        self.tokens = TokenService(self)
        self.jobs = JobRunner(self)
        register_job_handlers(self.jobs)

    async def close(self) -> None:
        self.jobs.stop()
        await self.db.dispose()


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
    if settings.redis_url:
        from roost.infra.redis_backends import (  # type: ignore[import-not-found,unused-ignore]
            RedisCache,
            RedisTimelineStore,
            connect_redis,
        )

        client = connect_redis(settings.redis_url)
        cache = RedisCache(client)
        timelines = RedisTimelineStore(client, capacity=settings.home_timeline_length)
    else:
        cache = MemoryCache()
        timelines = MemoryTimelineStore(capacity=settings.home_timeline_length)
    return Services(
        settings=settings,
        db=db,
        ids=IdGenerator(settings.worker_id),
        cache=cache,
        timelines=timelines,
    )
