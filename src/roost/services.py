"""The service container: every backend, built once from Settings.

Handlers reach it as ``ctx.services``; jobs as ``job.services``. The
embedded default and the scale-out deployment differ only in which
implementation each field holds.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from roost.accounts.passwords import PasswordHasher
from roost.config import Settings
from roost.db.engine import Database
from roost.db.group_commit import GroupCommit
from roost.ids import MAX_WORKER, IdGenerator
from roost.infra.blobs import BlobStore, LocalBlobStore
from roost.infra.cache import Cache, MemoryCache
from roost.infra.events import EventBus, MemoryEventBus
from roost.infra.mail import LogMailer, Mailer, SmtpMailer
from roost.infra.timeline_store import HeadReader, MemoryTimelineStore, TimelineStore
from roost.infra.wakeups import JobWakeups
from roost.infra.webpush import HttpPushSender, PushSender, VapidKeys
from roost.jobs.runner import JobRunner
from roost.limits import Budgets, build_budgets
from roost.media.runtime import MediaRuntime
from roost.oauth.token_memo import start_watching
from roost.oauth.tokens import TokenService
from roost.worker_lease import WorkerIdStore, WorkerLease

log = logging.getLogger("roost.services")


@dataclasses.dataclass(eq=False)
class Services:
    settings: Settings
    db: Database
    ids: IdGenerator
    cache: Cache
    timelines: TimelineStore
    # Live events for the streaming API (in-process, or Redis pub/sub).
    events: EventBus = dataclasses.field(default_factory=MemoryEventBus)
    passwords: PasswordHasher = dataclasses.field(init=False)
    tokens: TokenService = dataclasses.field(init=False)
    jobs: JobRunner = dataclasses.field(init=False)
    mailer: Mailer = dataclasses.field(init=False)
    budgets: Budgets = dataclasses.field(init=False)
    # Web Push: the VAPID key pair (loaded or made by start(), see
    # roost.push.keys) and the HTTP client that POSTs to push services.
    push_sender: PushSender = dataclasses.field(init=False)
    vapid: VapidKeys | None = None
    # Photos, videos, avatars: local directory or S3-compatible storage.
    blobs: BlobStore = dataclasses.field(init=False)
    media: MediaRuntime = dataclasses.field(init=False)
    # Released by close() after the database (e.g. the Redis connection pool).
    closers: list[Callable[[], Awaitable[None]]] = dataclasses.field(default_factory=list)
    # Wall clock (Unix seconds) of the rate limits; tests move it by hand.
    clock: Callable[[], float] = time.time
    # Leases a unique worker id in start(); None when ROOST_WORKER_ID pins it.
    worker_lease: WorkerLease | None = None
    # One round trip to Redis, for the readiness check; None without Redis.
    redis_ping: Callable[[], Awaitable[object]] | None = None
    # A timeline's head and the cache entries of its ids in one round trip
    # (one Redis server, roost.infra.redis_heads); None elsewhere.
    heads: HeadReader | None = None
    # New statuses, written by group commit (roost.statuses.service).
    posting: GroupCommit[Any, Any] = dataclasses.field(init=False)
    # Drops tokens revoked elsewhere from this process's memo (start()).
    _token_watch: asyncio.Task[None] | None = dataclasses.field(default=None, init=False)

    def __post_init__(self) -> None:
        self.passwords = PasswordHasher(
            time_cost=self.settings.password_hash_time_cost,
            memory_kib=self.settings.password_hash_memory_kib,
        )
        self.tokens = TokenService(self)
        self.jobs = JobRunner(self)
        register_job_handlers(self.jobs)
        self.mailer = build_mailer(self.settings)
        self.budgets = build_budgets(self.settings)
        self.push_sender = HttpPushSender(timeout=self.settings.push_timeout_seconds)
        self.blobs = build_blob_store(self.settings)
        self.media = MediaRuntime(self.settings.media_processing_concurrency)
        from roost.statuses.service import post_writer  # imports this module's types

        self.posting = post_writer(self)

    async def start(self) -> None:
        """What a long-running process (app server, job worker) needs before
        it mints ids: a worker id of its own (see ``roost.worker_lease``)."""
        if self.worker_lease is not None and self.worker_lease.worker_id is None:
            await self.worker_lease.start()
        self.db.start()
        if self._token_watch is None:
            # Revocations made on other processes reach this one's token memo.
            self._token_watch = start_watching(self.tokens.memo, self.events)
        if self.redis_ping is not None:
            # One round trip before serving: a Redis Cluster client maps the
            # cluster on its first command, and many first commands at once
            # race in that mapping (redis-py 8.1). Redis away at start is
            # the breaker's business, not a reason not to start.
            try:
                await self.redis_ping()
            except Exception as exc:
                log.warning("Redis not reachable at start: %r", exc)
        # The VAPID key pair is made on the first start and kept (shared by
        # every process through the database). A database not reachable or
        # not migrated yet must not keep the process from starting (its
        # readiness check reports that): the pair is then made on first use.
        # A misconfigured ROOST_VAPID_* key still stops the start.
        import sqlalchemy.exc

        from roost.push.keys import vapid_keys

        try:
            await vapid_keys(self)
        except (sqlalchemy.exc.SQLAlchemyError, OSError) as exc:
            log.warning("VAPID key pair not loaded at start (made on first use): %r", exc)

    async def close(self) -> None:
        self.jobs.stop()
        if self._token_watch is not None:
            self._token_watch.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._token_watch
            self._token_watch = None
        if self.worker_lease is not None:
            await self.worker_lease.stop()
        await self.push_sender.close()
        await self.events.close()
        await self.db.dispose()
        await self.blobs.close()
        for closer in self.closers:
            await closer()


def register_job_handlers(runner: JobRunner) -> None:
    """Every domain's background jobs, by kind."""
    from roost.accounts.mailjobs import JOB_HANDLERS as MAIL_JOBS
    from roost.accounts.purge import JOB_HANDLERS as DELETION_JOBS
    from roost.admin.actions import JOB_HANDLERS as MODERATION_JOBS
    from roost.media.jobs import JOB_HANDLERS as MEDIA_JOBS
    from roost.media.jobs import PERIODIC as MEDIA_PERIODIC
    from roost.notifications.jobs import JOB_HANDLERS as NOTIFICATION_JOBS
    from roost.push.delivery import JOB_HANDLERS as PUSH_JOBS
    from roost.relationships.expiry import JOB_HANDLERS as MUTE_JOBS
    from roost.relationships.requests import JOB_HANDLERS as RELATIONSHIP_JOBS
    from roost.search.recent_index import JOB_HANDLERS as RECENT_INDEX_JOBS
    from roost.search.recent_index import PERIODIC as RECENT_INDEX_PERIODIC
    from roost.search.trends import JOB_HANDLERS as SEARCH_JOBS
    from roost.search.trends import PERIODIC as SEARCH_PERIODIC
    from roost.statuses.scheduling import JOB_HANDLERS as SCHEDULED_JOBS
    from roost.timelines.fanout import JOB_HANDLERS as TIMELINE_JOBS
    from roost.timelines.fanout_batch import BATCH_HANDLERS as TIMELINE_BATCHES

    handlers = {
        **TIMELINE_JOBS,
        **RELATIONSHIP_JOBS,
        **MUTE_JOBS,
        **MODERATION_JOBS,
        **DELETION_JOBS,
        **MAIL_JOBS,
        **NOTIFICATION_JOBS,
        **PUSH_JOBS,
        **MEDIA_JOBS,
        **SCHEDULED_JOBS,
        **SEARCH_JOBS,
        **RECENT_INDEX_JOBS,
    }
    periodic = {**SEARCH_PERIODIC, **MEDIA_PERIODIC, **RECENT_INDEX_PERIODIC}
    for kind, handler in handlers.items():
        runner.register(kind, handler, every=periodic.get(kind))
    for kind, batch in TIMELINE_BATCHES.items():
        runner.register_batch(kind, batch)


def build_blob_store(settings: Settings) -> BlobStore:
    """Where media files go: the one place that picks the blob backend, by
    ``ROOST_MEDIA_STORAGE``: the local directory, or S3-compatible storage."""
    if settings.media_storage == "s3":
        from roost.infra.s3_blobs import build_s3_blob_store

        return build_s3_blob_store(settings)
    return LocalBlobStore(settings.effective_media_dir, base_url=settings.media_base_url)


def build_mailer(settings: Settings) -> Mailer:
    """SMTP when a host is configured, else the log (development)."""
    if not settings.smtp_host:
        return LogMailer(sender=settings.mail_sender)
    return SmtpMailer(
        host=settings.smtp_host,
        port=settings.smtp_port,
        sender=settings.mail_sender,
        user=settings.smtp_user,
        password=settings.smtp_password,
        tls=settings.smtp_tls,
    )


def build_services(settings: Settings) -> Services:
    """Pick each backend from the configuration URLs."""
    db = Database(
        settings.effective_database_url,
        replica_urls=settings.database_replica_urls,
        pool_size=settings.database_pool_size,
        replica_max_lag=settings.database_replica_max_lag_seconds,
    )
    cache: Cache
    timelines: TimelineStore
    closers: list[Callable[[], Awaitable[None]]] = []
    wakeups: JobWakeups | None = None
    events: EventBus = MemoryEventBus()
    worker_ids: WorkerIdStore
    redis_ping: Callable[[], Awaitable[object]] | None = None
    heads: HeadReader | None = None
    if settings.redis_url:
        from roost.infra.redis_backends import (
            RedisCache,
            RedisCluster,
            RedisHeadReader,
            RedisTimelineStore,
            close_redis,
            connect_redis,
            drop_idle_connections,
            ping,
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
        health = Health(
            "Redis",
            errors=redis_unreachable_errors(),
            busy=pool_exhausted,
            ping=lambda: ping(client),
            reset=lambda: drop_idle_connections(client),
        )
        redis_cache = RedisCache(client, prefix=prefix)
        redis_timelines = RedisTimelineStore(
            client, capacity=settings.home_timeline_length, prefix=prefix
        )
        cache = ResilientCache(redis_cache, health)
        timelines = ResilientTimelineStore(redis_timelines, health)
        if not isinstance(client, RedisCluster) and settings.slow_request_ms <= 0:
            heads = RedisHeadReader(
                client, timelines=redis_timelines, cache=redis_cache, guard=cache, health=health
            )
        # App servers wake `roost worker` processes through Redis on commit.
        wakeups = ResilientWakeups(RedisWakeups(client, channel=prefix + "jobs"), health)
        from roost.infra.redis_events import RedisEventBus

        events = RedisEventBus(client, prefix=prefix, health=health)
        closers.append(lambda: close_redis(client))
        redis_ping = client.ping
        from roost.infra.redis_worker_ids import RedisWorkerIds

        worker_ids = RedisWorkerIds(client, prefix=prefix, max_id=MAX_WORKER)
    else:
        from roost.db.worker_ids import DatabaseWorkerIds

        cache = MemoryCache()
        timelines = MemoryTimelineStore(capacity=settings.home_timeline_length)
        worker_ids = DatabaseWorkerIds(db, max_id=MAX_WORKER)
    if settings.slow_request_ms > 0:
        # Count what each request costs for the slow-request log.
        from roost.infra.request_cost import CostedCache, CostedTimelineStore, watch_engine

        cache = CostedCache(cache)
        timelines = CostedTimelineStore(timelines)
        for engine in (db.engine, *db.replicas):
            watch_engine(engine)
    if db.replica_set is not None:
        from roost.db.replicas import WriteFloors

        # An account's write position outlives the lag after which every
        # usable replica holds it anyway.
        db.floors = WriteFloors(cache, ttl=settings.database_replica_max_lag_seconds + 5)
    ids = IdGenerator(settings.worker_id)
    lease = None
    if settings.worker_id < 0:
        lease = WorkerLease(worker_ids, ids, ttl=settings.worker_lease_seconds)
    services = Services(
        settings=settings,
        db=db,
        ids=ids,
        cache=cache,
        timelines=timelines,
        events=events,
        closers=closers,
        worker_lease=lease,
        redis_ping=redis_ping,
        heads=heads,
    )
    services.jobs.wakeups = wakeups
    return services
