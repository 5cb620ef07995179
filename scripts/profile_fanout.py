"""Where a fan-out job's time goes: one job loop draining a backlog of posts.

Serves Roost's ASGI app in this process without job loops, creates authors
followed by ``--followers`` accounts each (drawn from a shared pool, a
``--warm`` share of whom have a cached home timeline, so that pushes insert
for real), posts ``--posts`` statuses through the app (optionally with
``--tags`` hashtags each, followed by ``--tag-followers`` accounts), then
times one ``run_pending`` drain of their jobs and reports per post:

* wall time and this process's CPU time (all threads: aiosqlite's included);
* SQL statements and the time spent waiting in them, by kind;
* calls to the timeline store, the cache and the event bus (each about one
  Redis round trip) and the time spent in them;
* on Redis, the Redis server's own CPU time (``INFO cpu``);
* with --profile, pyinstrument's tree of the event-loop thread.

Run it with the code to compare first on ``PYTHONPATH`` (works on any
version with ``JobRunner.run_pending``):

    python scripts/profile_fanout.py --posts 800 --followers 40
    python scripts/profile_fanout.py --posts 40 --authors 4 --followers 5000 \\
        --database-url postgresql://postgres@127.0.0.1:5432/postgres \\
        --redis-url redis://127.0.0.1:6379/0
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import random
import tempfile
import time
import urllib.parse
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy import event

from roost.app import create_app
from roost.config import Settings
from roost.db import schema
from roost.db.migrate import migrate
from roost.kernel.cachekeys import home_key
from roost.services import Services, build_services

TIMELINE_CALLS = ("push", "push_pairs", "range", "merge", "mark", "remove_everywhere")
CACHE_CALLS = ("get_many", "set_many", "delete", "incr")
BUS_CALLS = ("publish_many",)


class Tally:
    """Calls and seconds by label."""

    def __init__(self) -> None:
        self.calls: collections.Counter[str] = collections.Counter()
        self.seconds: collections.Counter[str] = collections.Counter()
        self.on = False

    def wrap(self, owner: Any, names: tuple[str, ...], prefix: str) -> None:
        for name in names:
            method = getattr(owner, name, None)
            if method is None:
                continue
            setattr(owner, name, self._timed(method, f"{prefix}.{name}"))

    def _timed(self, method: Callable[..., Any], label: str) -> Callable[..., Any]:
        async def timed(*args: Any, **kwargs: Any) -> Any:
            if not self.on:
                return await method(*args, **kwargs)
            started = time.perf_counter()
            try:
                return await method(*args, **kwargs)
            finally:
                self.calls[label] += 1
                self.seconds[label] += time.perf_counter() - started

        return timed


def _sql_kind(statement: str) -> str:
    words = statement.replace('"', "").split()
    head = words[0].upper()
    low = " ".join(words).lower()
    if head in ("INSERT", "DELETE") and len(words) > 2:
        return f"{head} {words[2]}"
    if head == "UPDATE" and len(words) > 1:
        return f"UPDATE {words[1]}"
    if head == "SELECT":
        at = low.find(" from ")
        table = low[at + 6 :].split()[0] if at >= 0 else "?"
        if "union" in low:
            table += " (union)"
        return f"SELECT {table}"
    return head


def _watch_sql(services: Services, tally: Tally) -> Callable[[], None]:
    engine = services.db.engine.sync_engine

    def before(conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        conn.info.setdefault("profile_started", []).append(time.perf_counter())

    def after(conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        started = conn.info["profile_started"].pop()
        if tally.on:
            kind = _sql_kind(statement)
            tally.calls[kind] += 1
            tally.seconds[kind] += time.perf_counter() - started

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)

    def stop() -> None:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)

    return stop


class Asgi:
    """Form POSTs through the app, one ASGI call each."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def post(self, path: str, token: str, form: dict[str, str]) -> int:
        body = urllib.parse.urlencode(form).encode()
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "POST",
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "root_path": "",
            "headers": [
                (b"host", b"localhost"),
                (b"authorization", f"Bearer {token}".encode()),
                (b"content-type", b"application/x-www-form-urlencoded"),
                (b"content-length", str(len(body)).encode()),
            ],
            "client": ("127.0.0.1", 5000),
            "server": ("localhost", 80),
            "state": {},
        }
        given = False
        status = 0

        async def receive() -> dict[str, Any]:
            nonlocal given
            if not given:
                given = True
                return {"type": "http.request", "body": body, "more_body": False}
            await asyncio.Event().wait()
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])

        await self.app(scope, receive, send)
        return status


async def _seed(services: Services, args: argparse.Namespace) -> tuple[list[str], list[int]]:
    """Authors (with tokens), the follower pool, the follows and tag follows;
    returns the authors' tokens and the pool's account ids."""
    now = datetime.now(UTC)
    pool_size = max(args.pool or 0, args.followers, args.tag_followers, 1)
    ids = [services.ids.next_id() for _ in range(args.authors + pool_size)]
    authors, pool = ids[: args.authors], ids[args.authors :]
    rng = random.Random(1)
    accounts = [
        {
            "id": account_id,
            "username": f"f{n}",
            "username_key": f"f{n}",
            "email": f"f{n}@example.com",
            "password_hash": "x",
            "created_at": now,
        }
        for n, account_id in enumerate(ids)
    ]
    follows = [
        {
            "id": services.ids.next_id(),
            "account_id": follower,
            "target_account_id": author,
            "created_at": now,
        }
        for author in authors
        for follower in rng.sample(pool, args.followers)
    ]
    counts = collections.Counter(f["target_account_id"] for f in follows)
    for row in accounts:
        row["followers_count"] = counts.get(row["id"], 0)
    app_id = services.ids.next_id()
    tokens: list[str] = []
    async with services.db.write() as conn:
        for start in range(0, len(accounts), 5000):
            await conn.execute(schema.accounts.insert(), accounts[start : start + 5000])
        for start in range(0, len(follows), 5000):
            await conn.execute(schema.follows.insert(), follows[start : start + 5000])
        await conn.execute(
            schema.oauth_apps.insert().values(
                id=app_id,
                name="profile",
                website=None,
                redirect_uris="urn:ietf:wg:oauth:2.0:oob",
                scopes="read write follow",
                client_id=f"profile-{app_id}",
                client_secret="x" * 43,
                created_at=now,
            )
        )
        for author in authors:
            issued = await services.tokens.issue(
                conn, app_id=app_id, account_id=author, scopes="read write follow"
            )
            tokens.append(issued.access_token)
        if args.tags and args.tag_followers:
            tag_ids = {f"tag{n}": services.ids.next_id() for n in range(args.tag_count)}
            await conn.execute(
                schema.tags.insert(),
                [{"id": i, "name": name, "created_at": now} for name, i in tag_ids.items()],
            )
            await conn.execute(
                schema.tag_follows.insert(),
                [
                    {
                        "id": services.ids.next_id(),
                        "account_id": follower,
                        "tag_id": tag_id,
                        "created_at": now,
                    }
                    for tag_id in tag_ids.values()
                    for follower in rng.sample(pool, args.tag_followers)
                ],
            )
    # A share of the pool has a cached (empty) home timeline: pushes insert.
    warm = rng.sample(pool, int(len(pool) * args.warm))
    for account_id in warm:
        await services.timelines.merge(home_key(account_id), [])
    return tokens, pool


def _line(tally: Tally, label: str, posts: int) -> None:
    calls, ms = tally.calls[label] / posts, tally.seconds[label] * 1000 / posts
    print(f"  {calls:6.3f}/post {ms:7.3f} ms/post  {label}")


async def _redis_cpu(url: str | None) -> float:
    if not url:
        return 0.0
    import redis.asyncio as aioredis

    client = aioredis.from_url(url)
    try:
        info = await client.info("cpu")
        return float(info["used_cpu_sys"]) + float(info["used_cpu_user"])
    finally:
        await client.aclose()


async def run(args: argparse.Namespace) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="roost-fanout-"))
    settings = Settings(
        data_dir=tmp / "data",
        run_workers=False,
        public_url="http://localhost",
        domain="localhost",
        worker_id=1,
        rate_limits=False,
        password_hash_time_cost=1,
        password_hash_memory_kib=32,
    )
    scratch = None
    if args.database_url:
        scratch = f"roost_fanout_{uuid.uuid4().hex[:8]}"
        admin = await asyncpg.connect(args.database_url)
        try:
            await admin.execute(f'CREATE DATABASE "{scratch}"')
        finally:
            await admin.close()
        url = args.database_url.rsplit("/", 1)[0] + "/" + scratch
        settings = settings.replace(database_url=url)
    if args.redis_url:
        prefix = f"proffan{uuid.uuid4().hex[:6]}:"
        settings = settings.replace(redis_url=args.redis_url, redis_key_prefix=prefix)
    if args.batch_size:
        settings = settings.replace(fanout_batch_size=args.batch_size)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    services = build_services(settings)
    try:
        await migrate(services.db.engine)
        await services.start()
        app = create_app(settings, services=services)
        app.state.services = services
        tokens, _pool = await _seed(services, args)
        client = Asgi(app)
        rng = random.Random(0)

        def text() -> str:
            words = ["".join(rng.choices("abcdefghijklmnopqrstuvwxyz", k=8)) for _ in range(20)]
            words += [f"#tag{rng.randrange(args.tag_count)}" for _ in range(args.tags)]
            return " ".join(words)

        errors: collections.Counter[int] = collections.Counter()

        async def poster(n: int) -> None:
            for _ in range(n):
                status = await client.post(
                    "/api/v1/statuses", rng.choice(tokens), {"status": text()}
                )
                if status != 200:
                    errors[status] += 1

        # Warm-up: statement caches, pools; drained before measuring.
        await asyncio.gather(*(poster(2) for _ in range(4)))
        await services.jobs.run_pending()
        if args.claim:
            services.jobs.batch_size = args.claim
        per = max(1, args.posts // args.concurrency)
        await asyncio.gather(*(poster(per) for _ in range(args.concurrency)))
        posts = per * args.concurrency
        tally = Tally()
        stop_sql = _watch_sql(services, tally)
        tally.wrap(services.timelines, TIMELINE_CALLS, "timelines")
        tally.wrap(services.cache, CACHE_CALLS, "cache")
        tally.wrap(services.events, BUS_CALLS, "events")
        profiler = None
        if args.profile:
            from pyinstrument import Profiler

            profiler = Profiler(interval=0.0005)
            profiler.start()
        redis_before = await _redis_cpu(args.redis_url)
        tally.on = True
        started, cpu_started = time.perf_counter(), time.process_time()
        ran = await services.jobs.run_pending()
        took, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        tally.on = False
        redis_cpu = await _redis_cpu(args.redis_url) - redis_before
        if profiler is not None:
            profiler.stop()
        stop_sql()
        backend = ("postgresql" if args.database_url else "sqlite") + (
            " + redis" if args.redis_url else ""
        )
        print(
            f"{backend}: {posts} posts by {args.authors} authors, {args.followers} followers "
            f"each ({args.warm:.0%} warm), {args.tags} hashtags/post "
            f"({args.tag_followers} followers/tag); posting errors {dict(errors)}"
        )
        print(
            f"drain: {ran} jobs in {took:.3f} s = {posts / took:.1f} posts/s; per post "
            f"{took * 1000 / posts:.2f} ms wall, {cpu * 1000 / posts:.2f} ms CPU"
            + (f", Redis server CPU {redis_cpu * 1000 / posts:.2f} ms" if args.redis_url else "")
        )
        sql_calls = sum(c for k, c in tally.calls.items() if "." not in k)
        sql_seconds = sum(s for k, s in tally.seconds.items() if "." not in k)
        print(
            f"SQL: {sql_calls / posts:.2f} statements/post, "
            f"{sql_seconds * 1000 / posts:.2f} ms/post waiting"
        )
        other = [k for k in tally.calls if "." in k]
        for label in sorted(tally.calls, key=lambda k: -tally.seconds[k]):
            if label in other:
                continue
            _line(tally, label, posts)
        store_seconds = sum(tally.seconds[k] for k in other)
        print(
            f"store/cache/bus calls: {sum(tally.calls[k] for k in other) / posts:.2f}/post, "
            f"{store_seconds * 1000 / posts:.2f} ms/post"
        )
        for label in sorted(other, key=lambda k: -tally.seconds[k]):
            _line(tally, label, posts)
        if profiler is not None:
            print(profiler.output_text(unicode=False, color=False, show_all=False))
    finally:
        await services.close()
        if scratch is not None:
            admin = await asyncpg.connect(args.database_url)
            with contextlib.suppress(Exception):
                await admin.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
            await admin.close()
        if args.redis_url:
            import redis.asyncio as aioredis

            from roost.infra.redis_client import delete_prefixed

            redis = aioredis.from_url(args.redis_url)
            await delete_prefixed(redis, settings.redis_key_prefix)
            await redis.aclose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=800)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--authors", type=int, default=100)
    parser.add_argument("--followers", type=int, default=40, help="followers per author")
    parser.add_argument("--pool", type=int, default=2000, help="accounts the followers are from")
    parser.add_argument("--warm", type=float, default=0.5, help="share of the pool with a timeline")
    parser.add_argument("--tags", type=int, default=0, help="hashtags per post")
    parser.add_argument("--tag-count", type=int, default=20, help="distinct hashtags")
    parser.add_argument("--tag-followers", type=int, default=0, help="followers of each hashtag")
    parser.add_argument("--batch-size", type=int, default=0, help="ROOST_FANOUT_BATCH_SIZE")
    parser.add_argument("--claim", type=int, default=0, help="jobs claimed at once (runner's 20)")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--database-url", help="PostgreSQL admin URL: a scratch database")
    parser.add_argument("--redis-url")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
