"""Bulk-load a follow graph, accounts and statuses into an empty database.

Used by ``roost seed`` (demo data) and ``roost bench`` (benchmark data):

    graph = read_reed98()   # or GeneratedGraph(users=..., follows_per_user=...)
    report = await seed_database(services, graph, SeedOptions(text_style="bench"))

Follows go in first and statuses second, so that every account row is
written once, last, with exact follower/following/status counters. On
SQLite each batch is its own transaction; on PostgreSQL each stage (follows,
statuses, accounts) is one transaction with its indexes rebuilt at the end
(see bulk_stage). A load that dies half-way leaves a non-empty database,
which the next run refuses until ``reset=True``. Home timelines are not
precomputed: they are rebuilt from the database on first read.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterator
from contextlib import aclosing, contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import sqlalchemy as sa
from rich.progress import Progress, TaskID

from roost.db import schema
from roost.ids import id_from_datetime
from roost.search import recent_index
from roost.search.indexing import backfill_tag_uses
from roost.seed.bulk import bulk_stage, insert_columns, prefetch
from roost.seed.clock import IntArray, SeedClock
from roost.seed.graphs import FollowGraph
from roost.seed.posts import PostPlan, build_status_rows, newest_times
from roost.seed.text import TextStyle, display_names, profile_notes
from roost.services import Services

DEMO_PASSWORD = "roost-demo-password"
SEEDED_TABLES = (schema.accounts, schema.follows, schema.statuses)


class SeedRefused(Exception):
    """The database already holds data and no reset was asked for."""


@dataclasses.dataclass(frozen=True)
class SeedOptions:
    posts_min: int = 0
    posts_max: int = 20
    text_style: TextStyle = "demo"
    seed: int = 0
    password: str = DEMO_PASSWORD
    # Statuses are spread over this many days before the load.
    post_days: float = 7.0
    # Wipe every table first instead of refusing a non-empty database.
    reset: bool = False
    # Accounts and demo statuses per batch (bench statuses: 5x that); a batch
    # is a transaction on SQLite and one COPY on PostgreSQL. Follows go in
    # the generator's chunks (100k per transaction on SQLite).
    batch_size: int = 20_000


@dataclasses.dataclass
class SeedReport:
    graph: str
    users: int
    follows: int
    statuses: int
    mentions: int
    tags: int
    # Seconds per stage: reset, follows, statuses, accounts, analyze.
    seconds: dict[str, float]
    # Per user index i (``username_<i>``): account id and exact counters,
    # e.g. to pick hot users or their followers without querying.
    account_ids: IntArray
    followers_count: IntArray
    following_count: IntArray
    statuses_count: IntArray

    @property
    def total_seconds(self) -> float:
        return sum(self.seconds.values())


async def seed_database(
    services: Services,
    graph: FollowGraph,
    options: SeedOptions | None = None,
    *,
    progress: Progress | None = None,
    now: datetime | None = None,
) -> SeedReport:
    """Load ``graph`` with generated statuses; refuse a non-empty database
    unless ``options.reset``. The schema must be migrated already."""
    opts = options or SeedOptions()
    rng = np.random.default_rng([opts.seed, 100])
    seconds: dict[str, float] = {}
    with _timed(seconds, "reset"):
        if opts.reset:
            await reset_database(services)
        elif not await database_is_empty(services):
            raise SeedRefused(
                "the database already has accounts, follows or statuses; "
                "use --reset to wipe it first"
            )
    plan = PostPlan.draw(rng, graph.users, opts.posts_min, opts.posts_max)
    clock = SeedClock.before(
        now or datetime.now(UTC),
        users=graph.users,
        follows=graph.expected_follows,
        statuses=plan.total,
        post_days=opts.post_days,
    )
    account_ids = clock.accounts.ids(np.arange(graph.users, dtype=np.int64))
    bar = _Bar(progress)

    with _timed(seconds, "follows"):
        follows = await _load_follows(services, graph, clock, account_ids, bar)
    followers, following = follows.followers, follows.following

    with _timed(seconds, "statuses"):
        mentions, tag_count = await _load_statuses(
            services, opts, rng, plan, clock, account_ids, bar
        )

    with _timed(seconds, "accounts"):
        await _load_accounts(
            services, opts, rng, plan, clock, account_ids, followers, following, bar
        )

    with _timed(seconds, "tag uses"):
        # What posting records for trends and tag history (the bulk load
        # bypasses it), over the days trends look at.
        async with services.db.write() as conn:
            since = id_from_datetime((now or datetime.now(UTC)) - timedelta(days=8))
            await backfill_tag_uses(conn, since_id=since)

    if not services.db.is_sqlite:
        with _timed(seconds, "search order"):
            # The bulk load writes statuses, and so their search entries, in
            # author order; posting writes them in id order, which the search
            # walk over the newest entries relies on (docs/design.md, 6.16).
            # Put the seeded index in the order a live one has.
            async with services.db.write() as conn:
                await conn.execute(sa.text("CLUSTER search_statuses USING search_statuses_pkey"))
        with _timed(seconds, "recent search index"):
            # What the workers' periodic job would build at their start,
            # built here so that it is in place before anything is measured.
            await recent_index.maintain(services.db.engine, services.settings.search_recent_rows)

    with _timed(seconds, "analyze"):
        async with services.db.write() as conn:
            # Fresh planner statistics: the tables just grew from nothing.
            await conn.execute(sa.text("ANALYZE"))
        await services.cache.clear()
        await services.timelines.clear()

    return SeedReport(
        graph=graph.name,
        users=graph.users,
        follows=follows.total,
        statuses=plan.total,
        mentions=mentions,
        tags=tag_count,
        seconds=seconds,
        account_ids=account_ids,
        followers_count=followers,
        following_count=following,
        statuses_count=plan.counts,
    )


async def database_is_empty(services: Services) -> bool:
    """True when no account, follow or status exists yet."""
    async with services.db.read(primary=True) as conn:
        for table in SEEDED_TABLES:
            if (await conn.execute(sa.select(sa.literal(1)).select_from(table).limit(1))).first():
                return False
    return True


async def reset_database(services: Services) -> None:
    """Delete every row of every table (the schema stays), and every cache."""
    tables = list(reversed(schema.metadata.sorted_tables))
    async with services.db.write() as conn:
        if conn.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            await conn.execute(sa.text(f"TRUNCATE {names}"))
        else:
            for table in tables:
                await conn.execute(table.delete())
    await services.cache.clear()
    await services.timelines.clear()


@dataclasses.dataclass
class _FollowCounts:
    followers: IntArray
    following: IntArray
    total: int


async def _load_follows(
    services: Services,
    graph: FollowGraph,
    clock: SeedClock,
    account_ids: IntArray,
    bar: _Bar,
) -> _FollowCounts:
    counts = _FollowCounts(
        followers=np.zeros(graph.users, dtype=np.int64),
        following=np.zeros(graph.users, dtype=np.int64),
        total=0,
    )
    # COPY takes a generated chunk (up to a million rows) at once; SQLite's
    # executemany builds a Python dict per row, so it gets smaller batches.
    batch = 1_000_000 if services.db.dialect == "postgresql" else 100_000
    task = bar.add("follows", graph.expected_follows)
    async with (
        bulk_stage(services, [schema.follows], on_index=bar.index_hook()) as stage,
        aclosing(prefetch(graph.follow_chunks())) as chunks,
    ):
        async for chunk in chunks:
            for lo in range(0, len(chunk), batch):
                src = chunk.followers[lo : lo + batch]
                dst = chunk.followees[lo : lo + batch]
                positions = np.arange(counts.total, counts.total + len(src), dtype=np.int64)
                async with stage.batch() as conn:
                    await insert_columns(
                        conn,
                        schema.follows,
                        {
                            "account_id": account_ids[src],
                            "target_account_id": account_ids[dst],
                            "id": clock.follows.ids(positions),
                            "created_at": clock.follows.times(positions),
                        },
                    )
                counts.followers += np.bincount(dst, minlength=graph.users)
                counts.following += np.bincount(src, minlength=graph.users)
                counts.total += len(src)
                bar.advance(task, len(src))
        bar.finish(task, counts.total)
    return counts


async def _load_statuses(
    services: Services,
    opts: SeedOptions,
    rng: np.random.Generator,
    plan: PostPlan,
    clock: SeedClock,
    account_ids: IntArray,
    bar: _Bar,
) -> tuple[int, int]:
    settings = services.settings
    task = bar.add("statuses", plan.total)
    tag_ids: dict[str, int] = {}
    mentions = 0
    batch = opts.batch_size * (5 if opts.text_style == "bench" else 1)
    tables = [schema.statuses, schema.mentions, schema.status_tags]
    batches = (
        build_status_rows(
            style=opts.text_style,
            rng=rng,
            authors=authors,
            slots=slots,
            window=clock.statuses,
            account_ids=account_ids,
            public_url=settings.public_url,
            local_domain=settings.domain,
        )
        for authors, slots in plan.chunks(batch)
    )
    async with (
        bulk_stage(services, tables, on_index=bar.index_hook()) as stage,
        aclosing(prefetch(batches)) as prefetched,
    ):
        async for rows in prefetched:
            new_tags = [n for n in dict.fromkeys(rows.tag_names["name"]) if n not in tag_ids]
            fresh = {name: services.ids.next_id() for name in new_tags}
            async with stage.batch() as conn:
                await insert_columns(conn, schema.statuses, rows.statuses)
                await insert_columns(conn, schema.mentions, rows.mentions)
                await insert_columns(
                    conn,
                    schema.tags,
                    {
                        "id": list(fresh.values()),
                        "name": list(fresh),
                        "created_at": [datetime.now(UTC)] * len(fresh),
                    },
                )
                tag_ids.update(fresh)
                await insert_columns(
                    conn,
                    schema.status_tags,
                    {
                        "tag_id": [tag_ids[n] for n in rows.tag_names["name"]],
                        "status_id": rows.tag_names["status_id"],
                    },
                )
            mentions += len(rows.mentions["status_id"])
            bar.advance(task, len(rows.statuses["id"]))
        bar.finish(task, plan.total)
    return mentions, len(tag_ids)


async def _load_accounts(
    services: Services,
    opts: SeedOptions,
    rng: np.random.Generator,
    plan: PostPlan,
    clock: SeedClock,
    account_ids: IntArray,
    followers: IntArray,
    following: IntArray,
    bar: _Bar,
) -> None:
    # One argon2 hash for everyone: hashing is slow on purpose, and every
    # seeded account shares the demo password anyway.
    password_hash = services.passwords.hash(opts.password)
    users = len(account_ids)
    last_slots = plan.last_slots()
    created = clock.accounts.times(np.arange(users, dtype=np.int64))
    task = bar.add("accounts", users)
    async with bulk_stage(services, [schema.accounts], on_index=bar.index_hook()) as stage:
        for lo in range(0, users, opts.batch_size):
            hi = min(lo + opts.batch_size, users)
            names = [f"username_{i}" for i in range(lo, hi)]
            columns: dict[str, Any] = {
                "id": account_ids[lo:hi],
                "username": names,
                "username_key": names,
                "display_name": display_names(rng, len(names)),
                "email": [f"{n}@example.com" for n in names],
                "password_hash": [password_hash] * len(names),
                "created_at": created[lo:hi],
                # Seeded accounts are confirmed (and approved: the default).
                "confirmed_at": created[lo:hi],
                "followers_count": followers[lo:hi],
                "following_count": following[lo:hi],
                "statuses_count": plan.counts[lo:hi],
                "last_status_at": newest_times(last_slots[lo:hi], clock.statuses),
            }
            if opts.text_style == "demo":
                columns["note"] = profile_notes(rng, len(names))
            async with stage.batch() as conn:
                await insert_columns(conn, schema.accounts, columns)
            bar.advance(task, hi - lo)
        bar.finish(task, users)


@contextmanager
def _timed(seconds: dict[str, float], stage: str) -> Iterator[None]:
    started = time.perf_counter()
    try:
        yield
    finally:
        seconds[stage] = seconds.get(stage, 0.0) + time.perf_counter() - started


class _Bar:
    """Optional rich progress: the loader runs the same without a terminal."""

    def __init__(self, progress: Progress | None) -> None:
        self.progress = progress

    def add(self, label: str, total: int) -> TaskID | None:
        if self.progress is None:
            return None
        return self.progress.add_task(label, total=total)

    def advance(self, task: TaskID | None, amount: int) -> None:
        if self.progress is not None and task is not None:
            self.progress.advance(task, amount)

    def index_hook(self) -> Callable[[int], None] | None:
        """Progress of the index rebuild at the end of a PostgreSQL stage."""
        progress = self.progress
        if progress is None:
            return None
        task: list[TaskID] = []

        def hook(step: int) -> None:
            if step < 0:
                task.append(progress.add_task("indexes", total=-step))
            elif task:
                progress.advance(task[0], step)

        return hook

    def finish(self, task: TaskID | None, total: int) -> None:
        if self.progress is not None and task is not None:
            self.progress.update(task, total=total, completed=total)
