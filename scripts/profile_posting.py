"""Profile the posting request (POST /api/v1/statuses) in one process.

Serves Roost's ASGI app in this process (no HTTP server, no client
library: each request is one ASGI call), creates authors with followers,
then posts with a fixed number of concurrent requests and reports

* posts/s and latency of the in-process loop (no network, so higher than
  `roost bench`; use it for ratios between code versions only),
* SQL statements per post (by kind) and cache calls per post (each one a
  round trip on Redis),
* CPU per post (the process, every thread, posting only: no job runs
  meanwhile), the load-independent figure to compare code versions by,
* with --profile, pyinstrument's call tree of the event-loop thread
  (aiosqlite runs SQLite in its own thread, so SQLite's own work is not in
  it; asyncpg's and Redis's protocol work is); with --cprofile tottime,
  cProfile's functions of that thread by their own time (the group
  commit's flusher included, which the wall-clock tree shows as awaits).

Embedded:   python scripts/profile_posting.py --posts 2000
PostgreSQL: python scripts/profile_posting.py --database-url postgresql://... \
                --redis-url redis://127.0.0.1:6379/0
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import cProfile
import pstats
import random
import string
import tempfile
import time
import urllib.parse
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy import event

from roost.app import create_app
from roost.config import Settings
from roost.db import schema
from roost.db.migrate import migrate
from roost.services import Services, build_services

CACHE_CALLS = ("get_many", "set_many", "set_each", "replace", "delete", "incr", "throttle")


async def _seed(services: Services, authors: int, followers: int) -> list[str]:
    """Authors with tokens, each followed by ``followers`` accounts."""
    now = datetime.now(UTC)
    a = schema.accounts
    rows: list[dict[str, Any]] = []
    total = authors + followers
    ids = [services.ids.next_id() for _ in range(total)]
    for n, account_id in enumerate(ids):
        name = f"p{n}"
        rows.append(
            {
                "id": account_id,
                "username": name,
                "username_key": name,
                "email": f"{name}@example.com",
                "password_hash": "x",
                "created_at": now,
                # Signed up and confirmed, as the bench's accounts are: only
                # such accounts' tokens are cached (roost.oauth.tokens).
                "confirmed_at": now,
            }
        )
    app_id = services.ids.next_id()
    tokens: list[str] = []
    async with services.db.write() as conn:
        await conn.execute(a.insert(), rows)
        await conn.execute(
            schema.oauth_apps.insert().values(
                id=app_id,
                name="profile",
                website=None,
                redirect_uris="urn:ietf:wg:oauth:2.0:oob",
                scopes="read write follow push",
                client_id=f"profile-{app_id}",
                client_secret="x" * 43,
                created_at=now,
            )
        )
        for author in ids[:authors]:
            issued = await services.tokens.issue(
                conn, app_id=app_id, account_id=author, scopes="read write follow push"
            )
            tokens.append(issued.access_token)
        follows = [
            {
                "id": services.ids.next_id(),
                "account_id": f,
                "target_account_id": t,
                "created_at": now,
            }
            for t in ids[:authors]
            for f in ids[authors:]
        ]
        await conn.execute(schema.follows.insert(), follows)
    return tokens


class Asgi:
    """One POST through the ASGI app, without a client library."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def post(self, path: str, token: str, form: dict[str, str]) -> tuple[int, bytes]:
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
        sent = False
        status = 0
        chunks: list[bytes] = []

        async def receive() -> dict[str, Any]:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            await asyncio.Event().wait()
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, send)
        return status, b"".join(chunks)


def _count_cache(services: Services, counts: collections.Counter[str]) -> None:
    cache = services.cache
    for name in CACHE_CALLS:
        method = getattr(cache, name, None)
        if method is None:
            continue

        def wrap(fn: Any, label: str) -> Any:
            def counted(*args: Any, **kwargs: Any) -> Any:
                counts[label] += 1
                return fn(*args, **kwargs)

            return counted

        setattr(cache, name, wrap(method, name))


def _kind(statement: str) -> str:
    words = statement.replace('"', "").split()
    statement = " ".join(words)
    head = words[0].upper()
    if head == "INSERT" and len(words) > 2:
        return f"INSERT {words[2]}"
    if head == "UPDATE" and len(words) > 1:
        return f"UPDATE {words[1]}"
    if head == "DELETE" and len(words) > 2:
        return f"DELETE {words[2]}"
    if head == "SELECT":
        low = statement.lower()
        at = low.find(" from ")
        table = low[at + 6 :].split()[0] if at >= 0 else "?"
        return f"SELECT {table}"
    return head


async def _scratch_pg(admin_url: str) -> tuple[str, str]:
    name = f"roost_profile_{uuid.uuid4().hex[:8]}"
    conn = await asyncpg.connect(admin_url)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return name, admin_url.rsplit("/", 1)[0] + "/" + name


async def _drop_pg(admin_url: str, name: str) -> None:
    conn = await asyncpg.connect(admin_url)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


async def run(args: argparse.Namespace) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="roost-profile-"))
    settings = Settings(
        data_dir=tmp / "data",
        run_workers=False,
        public_url="http://localhost",
        domain="localhost",
        worker_id=1,
        rate_limits=args.rate_limits,
        password_hash_time_cost=1,
        password_hash_memory_kib=32,
    )
    scratch = None
    if args.database_url:
        scratch, url = await _scratch_pg(args.database_url)
        settings = settings.replace(database_url=url)
    if args.redis_url:
        prefix = f"profile{uuid.uuid4().hex[:6]}:"
        settings = settings.replace(redis_url=args.redis_url, redis_key_prefix=prefix)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    services = build_services(settings)
    try:
        await migrate(services.db.engine)
        await services.start()
        app = create_app(settings, services=services)
        app.state.services = services  # what the lifespan would set
        tokens = await _seed(services, args.authors, args.followers)
        client = Asgi(app)
        rng = random.Random(0)
        alphabet = string.ascii_letters + string.digits

        def text() -> str:
            words = ["".join(rng.choices(alphabet, k=args.chars))]
            words += [f"#tag{rng.randint(0, 50)}" for _ in range(args.tags)]
            return " ".join(words)

        statements: collections.Counter[str] = collections.Counter()

        def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
            statements[_kind(statement)] += 1

        cache_calls: collections.Counter[str] = collections.Counter()
        latencies: list[float] = []
        errors = collections.Counter[int]()

        async def one() -> None:
            token = rng.choice(tokens)
            started = time.perf_counter()
            status, _ = await client.post("/api/v1/statuses", token, {"status": text()})
            latencies.append(time.perf_counter() - started)
            if status != 200:
                errors[status] += 1

        async def loop(n: int) -> None:
            for _ in range(n):
                await one()

        # Warm up (statement caches, connections).
        await asyncio.gather(*(loop(20) for _ in range(args.concurrency)))
        latencies.clear()
        await services.jobs.run_pending()

        engine = services.db.engine.sync_engine
        event.listen(engine, "before_cursor_execute", record)
        _count_cache(services, cache_calls)
        per_task = args.posts // args.concurrency
        profiler = None
        if args.profile:
            from pyinstrument import Profiler

            profiler = Profiler(interval=0.0005, async_mode=args.async_mode)
            profiler.start()
        functions = None
        if args.cprofile:
            # Every task of the loop thread (the group commit's flusher too),
            # by the CPU each function spends itself: where a post's CPU goes.
            functions = cProfile.Profile()
            functions.enable()
        batches_before = services.posting.batches
        started = time.perf_counter()
        posting_cpu_started = time.process_time()
        await asyncio.gather(*(loop(per_task) for _ in range(args.concurrency)))
        elapsed = time.perf_counter() - started
        posting_cpu = time.process_time() - posting_cpu_started
        if profiler is not None:
            profiler.stop()
        if functions is not None:
            functions.disable()
        event.remove(engine, "before_cursor_execute", record)
        posts = per_task * args.concurrency
        latencies.sort()
        print(
            f"backend: {'postgresql' if args.database_url else 'sqlite'}"
            f"{' + redis' if args.redis_url else ''}"
        )
        print(
            f"posts: {posts} in {elapsed:.2f} s = {posts / elapsed:.0f} posts/s "
            f"(concurrency {args.concurrency}); errors {dict(errors)}"
        )
        print(
            f"latency p50 {latencies[len(latencies) // 2] * 1000:.1f} ms, "
            f"p99 {latencies[int(len(latencies) * 0.99)] * 1000:.1f} ms"
        )
        # Load-independent: what a post costs this process (the request and
        # its share of the shared commits; no job runs meanwhile).
        print(f"CPU per post: {posting_cpu * 1000 / posts:.2f} ms (this process, all threads)")
        batches = services.posting.batches - batches_before
        print(f"posts per shared commit: {posts / max(batches, 1):.1f}")
        total = sum(statements.values())
        print(f"SQL statements per post: {total / posts:.2f}")
        for kind, n in statements.most_common():
            print(f"  {n / posts:5.2f}  {kind}")
        calls = sum(cache_calls.values())
        print(f"cache calls per post: {calls / posts:.2f}")
        for kind, n in cache_calls.most_common():
            print(f"  {n / posts:5.2f}  {kind}")
        if functions is not None:
            stats = pstats.Stats(functions)
            stats.sort_stats(args.cprofile).print_stats(args.cprofile_lines)
        if profiler is not None:
            print(profiler.output_text(unicode=False, color=False, show_all=False))
            if args.html:
                Path(args.html).write_text(profiler.output_html())  # noqa: ASYNC240
        job_profiler = None
        if args.profile_jobs:
            from pyinstrument import Profiler

            job_profiler = Profiler(interval=0.0005)
            job_profiler.start()
        statements.clear()
        event.listen(engine, "before_cursor_execute", record)
        jobs_started = time.perf_counter()
        cpu_started = time.process_time()
        ran = await services.jobs.run_pending()
        took = time.perf_counter() - jobs_started
        cpu = time.process_time() - cpu_started
        event.remove(engine, "before_cursor_execute", record)
        if job_profiler is not None:
            job_profiler.stop()
            print(job_profiler.output_text(unicode=False, color=False, show_all=False))
        print(f"fan-out jobs: {ran} in {took:.2f} s = {ran / max(took, 1e-9):.0f} jobs/s")
        # Posts/s compares code versions whatever the jobs per post.
        print(
            f"drained: {posts / max(took, 1e-9):.0f} posts/s, "
            f"{cpu * 1000 / posts:.2f} ms CPU per post (this process, all threads)"
        )
        print(f"SQL statements per post in the drain: {sum(statements.values()) / posts:.2f}")
        for kind, n in statements.most_common(12):
            print(f"  {n / posts:5.2f}  {kind}")
    finally:
        await services.close()
        if scratch is not None:
            await _drop_pg(args.database_url, scratch)
        if args.redis_url:
            pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--authors", type=int, default=100)
    parser.add_argument("--followers", type=int, default=50)
    parser.add_argument("--chars", type=int, default=200)
    parser.add_argument("--tags", type=int, default=0, help="hashtags per post")
    parser.add_argument("--rate-limits", action="store_true")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument(
        "--async-mode",
        choices=("enabled", "disabled"),
        default="enabled",
        help="pyinstrument: awaits charged to their callers (enabled), or what the "
        "thread really runs, the loop's idle wait included (disabled)",
    )
    parser.add_argument(
        "--cprofile",
        choices=("tottime", "cumulative"),
        help="cProfile the posting phase (the loop thread), sorted by this",
    )
    parser.add_argument("--cprofile-lines", type=int, default=40)
    parser.add_argument("--profile-jobs", action="store_true", help="profile the jobs' drain")
    parser.add_argument("--html", help="also write pyinstrument's HTML report here")
    parser.add_argument("--database-url", help="PostgreSQL admin URL: a scratch database")
    parser.add_argument("--redis-url")
    args = parser.parse_args()
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
