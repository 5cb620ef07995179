"""Profile warm timeline reads inside one app process (docs/benchmarks.md,
"Read path profile").

Seeds a small graph through the API (users who follow each other and post,
with some private statuses, replies and reblogs), warms every timeline, then
calls the ASGI app directly (no HTTP server, no client in the profile) for
each read kind: the home timeline, the user timeline, the public and a tag
timeline. Per kind it prints the cache and timeline-store round trips and
the SQL statements of one warm read, and a pyinstrument profile of many.

    python scripts/profile_reads.py                       # embedded (SQLite, memory cache)
    python scripts/profile_reads.py --database-url postgresql://... --redis-url redis://...

With ``--database-url`` (a PostgreSQL server) it works in a scratch database
and a private Redis key prefix (as ``roost bench`` does), dropped at the end.

Needs the ``bench`` extra (pyinstrument).
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import random
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from pyinstrument import Profiler
from sqlalchemy import event
from starlette.testclient import TestClient

from roost.accounts.service import create_account
from roost.app import create_app
from roost.config import Settings
from roost.db import schema
from roost.services import Services
from roost_bench.deploy import postgres

KINDS = ("home", "user", "user-first", "public", "tag")


def build_settings(data_dir: Path, env: dict[str, str] | None = None) -> Settings:
    base = Settings(
        data_dir=data_dir,
        run_workers=False,
        public_url="http://testserver",
        domain="testserver",
        worker_id=1,
        rate_limits=False,
    )
    if env:
        return base.replace(
            database_url=env["ROOST_DATABASE_URL"],
            redis_url=env["ROOST_REDIS_URL"],
            redis_key_prefix=env["ROOST_REDIS_KEY_PREFIX"],
        )
    return base


async def _seed_users(services: Services, count: int) -> list[tuple[int, str]]:
    from datetime import UTC, datetime

    app_id = services.ids.next_id()
    async with services.db.write() as conn:
        await conn.execute(
            schema.oauth_apps.insert().values(
                id=app_id,
                name="profile",
                website=None,
                redirect_uris="urn:ietf:wg:oauth:2.0:oob",
                scopes="read write follow push",
                client_id=f"profile-{app_id}",
                client_secret="x" * 43,
                created_at=datetime.now(UTC),
            )
        )
    users = []
    for i in range(count):
        account_id = await create_account(
            services,
            username=f"user{i}",
            email=f"user{i}@example.com",
            password="correct horse battery",
        )
        async with services.db.write() as conn:
            issued = await services.tokens.issue(
                conn, app_id=app_id, account_id=account_id, scopes="read write follow push"
            )
        users.append((account_id, issued.access_token))
    return users


class Counting:
    """Counts the calls reaching the cache and the timeline store, and the
    SQL statements, while ``on`` is set."""

    def __init__(self, services: Services) -> None:
        self.on = False
        self.calls: collections.Counter[str] = collections.Counter()
        self.statements: list[str] = []
        for name in ("get_many", "set_many", "delete", "incr", "throttle"):
            self._wrap(services.cache, f"cache.{name}", name)
        for name in ("range", "mark", "merge", "push", "remove", "remove_everywhere"):
            self._wrap(services.timelines, f"timelines.{name}", name)
        heads = getattr(services, "heads", None)
        if heads is not None:  # a timeline's head and cache entries together
            self._wrap(heads, "heads.read", "read")
        engines = [services.db.engine.sync_engine] + [e.sync_engine for e in services.db.replicas]
        for engine in engines:
            event.listen(engine, "before_cursor_execute", self._record)

    def _record(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if self.on:
            self.statements.append(statement)

    def _wrap(self, target: Any, label: str, name: str) -> None:
        inner: Callable[..., Awaitable[Any]] = getattr(target, name)

        async def counted(*args: Any, **kwargs: Any) -> Any:
            if self.on:
                self.calls[label] += 1
            return await inner(*args, **kwargs)

        setattr(target, name, counted)


async def call_app(app: Any, path: str, token: str | None) -> tuple[int, bytes]:
    raw_path, _, query = path.partition("?")
    headers = [(b"host", b"testserver")]
    if token:
        headers.append((b"authorization", f"Bearer {token}".encode()))
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": raw_path,
        "raw_path": raw_path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
        "app": app,
    }
    status = 0
    body = bytearray()

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            body.extend(message.get("body", b""))

    await app(scope, receive, send)
    return status, bytes(body)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url")
    parser.add_argument("--redis-url")
    parser.add_argument("--users", type=int, default=40)
    parser.add_argument("--posts", type=int, default=12, help="statuses per user")
    parser.add_argument("--reads", type=int, default=600, help="profiled reads per kind")
    parser.add_argument("--kinds", default=",".join(KINDS))
    parser.add_argument("--html", type=Path, help="also write HTML profiles with this prefix")
    parser.add_argument(
        "--timed",
        type=int,
        default=0,
        help="also time this many reads per kind without the profiler (CPU per read)",
    )
    args = parser.parse_args()
    with contextlib.ExitStack() as stack:
        env = None
        if args.database_url:
            env = stack.enter_context(postgres(args.database_url, args.redis_url)).env
        tmp = stack.enter_context(tempfile.TemporaryDirectory())
        profile(args, build_settings(Path(tmp), env))


def profile(args: argparse.Namespace, settings: Settings) -> None:
    rng = random.Random(0)
    app = create_app(settings)
    with TestClient(app, base_url="http://testserver") as client:
        assert client.portal is not None
        services: Services = app.state.services

        async def reset() -> None:
            async with services.db.write() as conn:
                for table in reversed(schema.metadata.sorted_tables):
                    await conn.execute(table.delete())
            await services.cache.clear()
            await services.timelines.clear()

        client.portal.call(reset)
        users = client.portal.call(_seed_users, services, args.users)
        auth = [{"Authorization": f"Bearer {t}"} for _, t in users]
        for i, _ in enumerate(users):
            for j in rng.sample(range(len(users)), min(10, len(users) - 1)):
                if j != i:
                    client.post(f"/api/v1/accounts/{users[j][0]}/follow", headers=auth[i])
        posted: list[str] = []
        for round_ in range(args.posts):
            for i in range(len(users)):
                form: dict[str, str] = {"status": f"status {round_} of user{i} #roost"}
                if rng.random() < 0.15:
                    form["visibility"] = "private"
                if posted and rng.random() < 0.15:
                    form["in_reply_to_id"] = rng.choice(posted)
                response = client.post("/api/v1/statuses", headers=auth[i], data=form)
                if response.status_code != 200:  # a reply to what it may not see
                    form.pop("in_reply_to_id", None)
                    response = client.post("/api/v1/statuses", headers=auth[i], data=form)
                assert response.status_code == 200, response.text
                posted.append(response.json()["id"])
                if rng.random() < 0.05:
                    client.post(f"/api/v1/statuses/{rng.choice(posted)}/reblog", headers=auth[i])
        client.portal.call(services.jobs.run_pending)
        paths = {
            "home": lambda i: "/api/v1/timelines/home?limit=20",
            "user": lambda i: (
                f"/api/v1/accounts/{users[(i * 7 + 3) % len(users)][0]}/statuses?limit=20"
            ),
            # A reader's first read of an account (the account's list and
            # records warm): read i is a pair not read before, for i >= users.
            "user-first": lambda i: (
                f"/api/v1/accounts/"
                f"{users[(i + 1 + (i // len(users)) % (len(users) - 1)) % len(users)][0]}"
                f"/statuses?limit=20"
            ),
            "public": lambda i: "/api/v1/timelines/public?limit=20",
            "tag": lambda i: "/api/v1/timelines/tag/roost?limit=20",
        }
        counting = Counting(services)
        html: dict[str, str] = {}
        for kind in args.kinds.split(","):
            path = paths[kind]

            async def run(kind: str = kind, path: Callable[[int], str] = path) -> None:
                # Warm every page read below (for user-first: the pages, not the pairs).
                warm = paths["user"] if kind == "user-first" else path
                first = len(users) if kind == "user-first" else 0
                for i in range(len(users)):
                    status, _ = await call_app(app, warm(i), users[i][1])
                    assert status == 200, (kind, status)
                counting.calls.clear()
                counting.statements.clear()
                counting.on = True
                await call_app(app, path(first), users[0][1])
                counting.on = False
                calls = dict(sorted(counting.calls.items()))
                print(
                    f"\n== {kind}: one warm read: {sum(calls.values())} round trips {calls}, "
                    f"{len(counting.statements)} SQL statements"
                )
                for statement in counting.statements:
                    print("   SQL:", " ".join(statement.split())[:160])
                profiler = Profiler(interval=0.0005, async_mode="disabled")
                started = time.perf_counter()
                profiler.start()
                for i in range(first + 1, first + 1 + args.reads):
                    await call_app(app, path(i), users[i % len(users)][1])
                profiler.stop()
                elapsed = time.perf_counter() - started
                print(
                    f"   {args.reads} reads in {elapsed:.2f} s: "
                    f"{elapsed / args.reads * 1000:.2f} ms a read (with the profiler)"
                )
                print(
                    profiler.output_text(
                        unicode=False, color=False, show_all=False, short_mode=False
                    )
                )
                if args.html:
                    html[kind] = profiler.output_html()
                if args.timed:
                    # Process CPU time, profiler off: the figure to compare
                    # between runs on a shared machine (wall time is not).
                    rounds = []
                    for _ in range(3):
                        cpu = time.process_time()
                        for i in range(args.timed):
                            await call_app(app, path(i), users[i % len(users)][1])
                        rounds.append((time.process_time() - cpu) / args.timed * 1000)
                    shown = ", ".join(f"{r:.3f}" for r in rounds)
                    print(f"   CPU per read, profiler off, 3 rounds of {args.timed}: {shown} ms")

            client.portal.call(run)
        for kind, page in html.items():
            Path(f"{args.html}-{kind}.html").write_text(page)


if __name__ == "__main__":
    main()
