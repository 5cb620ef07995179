"""Measure what deleting one account costs: the request's part (hide, revoke,
enqueue) and the ``purge_account`` job with the jobs it makes (the
un-fan-out of each status, the timeline clean-up of each follow).

Seeds one account with ``--statuses`` public statuses, ``--followers``
followers (each with a cached home timeline holding every status) and as
many accounts it follows, then deletes it and runs every job in this
process until none is left. Reports wall time, this process's CPU time
(load-independent), jobs run and SQL statements.

Embedded:   python scripts/profile_purge.py --statuses 1000 --followers 200
PostgreSQL: python scripts/profile_purge.py --database-url postgresql://... \
                --redis-url redis://127.0.0.1:6379/0
(a scratch database of its own: it adds accounts; its Redis keys, under a
prefix of their own, are deleted at the end)
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event

from roost.accounts import purge
from roost.accounts.deletion import delete_suspended_account
from roost.config import Settings
from roost.db import schema
from roost.db.migrate import migrate
from roost.kernel.cachekeys import home_key
from roost.services import Services, build_services


async def _seed(services: Services, statuses: int, followers: int) -> int:
    now = datetime.now(UTC)
    ids = services.ids
    author = ids.next_id()
    others = [ids.next_id() for _ in range(2 * followers)]
    accounts: list[dict[str, Any]] = []
    for n, account_id in enumerate([author, *others]):
        name = f"u{n}"
        accounts.append(
            {
                "id": account_id,
                "username": name,
                "username_key": name,
                "email": f"{name}@example.com",
                "password_hash": "x",
                "created_at": now,
                "suspended_at": now if account_id == author else None,
            }
        )
    fans, followed = others[:followers], others[followers:]
    edges = [(f, author) for f in fans] + [(author, t) for t in followed]
    follows = [
        {"account_id": a, "target_account_id": t, "id": ids.next_id(), "created_at": now}
        for a, t in edges
    ]
    posts = [
        {
            "id": ids.next_id(),
            "account_id": author,
            "text": f"status {n}",
            "content": f"<p>status {n}</p>",
            "visibility": 0,
            "created_at": now,
        }
        for n in range(statuses)
    ]
    async with services.db.write() as conn:
        await conn.execute(schema.accounts.insert(), accounts)
        await conn.execute(schema.follows.insert(), follows)
        await conn.execute(schema.statuses.insert(), posts)
    for post in posts:
        await services.timelines.push([home_key(f) for f in fans], int(post["id"]))
    return author


async def _run(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="roost-purge-") as tmp:
        settings = Settings(
            data_dir=Path(tmp),
            run_workers=False,
            worker_id=1,
            rate_limits=False,
            gc_tuning=False,
            database_url=args.database_url or "",
            redis_url=args.redis_url or "",
            redis_key_prefix=f"purge-{uuid.uuid4().hex[:8]}:",
        )
        services = build_services(settings)
        await migrate(services.db.engine)
        services.db.start()
        # Count the work, not the pauses of a purge waiting for its un-fan-outs.
        purge.WAIT = timedelta(0)
        try:
            author = await _seed(services, args.statuses, args.followers)
            statements = 0

            def count(*_: Any) -> None:
                nonlocal statements
                statements += 1

            event.listen(services.db.engine.sync_engine, "before_cursor_execute", count)
            wall, cpu = time.perf_counter(), time.process_time()
            await delete_suspended_account(services, account_id=author)
            request = (time.perf_counter() - wall, time.process_time() - cpu, statements)
            jobs = await services.jobs.run_pending()
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            backend = "postgresql" if args.database_url else "sqlite"
            print(
                f"statuses={args.statuses} followers={args.followers} "
                f"following={args.followers} backend={backend}"
            )
            print(
                f"request: {request[0] * 1000:.1f} ms wall, {request[1] * 1000:.1f} ms CPU, "
                f"{request[2]} SQL statements"
            )
            print(
                f"request + purge: {wall:.2f} s wall, {cpu:.2f} s CPU, {jobs} jobs, "
                f"{statements} SQL statements"
            )
        finally:
            await services.close()
            if args.redis_url:
                await _drop_keys(args.redis_url, settings.redis_key_prefix)


async def _drop_keys(url: str, prefix: str) -> None:
    """This run's keys only (never the others' on a shared Redis)."""
    import redis.asyncio

    from roost.infra.redis_client import glob_escape

    client = redis.asyncio.Redis.from_url(url)
    try:
        keys = [k async for k in client.scan_iter(match=glob_escape(prefix) + "*", count=1000)]
        for start in range(0, len(keys), 500):
            await client.unlink(*keys[start : start + 500])
    finally:
        await client.aclose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--statuses", type=int, default=1000)
    parser.add_argument("--followers", type=int, default=200)
    parser.add_argument("--database-url")
    parser.add_argument("--redis-url")
    asyncio.run(_run(parser.parse_args()))


if __name__ == "__main__":
    main()
