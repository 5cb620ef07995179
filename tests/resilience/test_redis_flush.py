"""Redis flushed under load: clients post and read home timelines through the
real ASGI app while the job runner fans out in the background, and Roost's
Redis keys (timelines and cache) are deleted in the middle, twice. Once the
load stops and the jobs are drained, every home timeline read through the
API is exactly what the database says it should be: no post missing, no
duplicate, newest first, on the first page and paging down to the end."""

from __future__ import annotations

import asyncio
import random
from collections import defaultdict
from datetime import UTC, datetime

import anyio
import httpx2 as httpx
import pytest
import sqlalchemy as sa

from roost.accounts.service import create_account
from roost.app import create_app
from roost.config import Settings
from roost.db import schema
from roost.services import Services
from tests.conftest import REDIS_URL
from tests.resilience.conftest import empty_services

pytestmark = pytest.mark.anyio

USERS = 8
CLIENTS = 6
# The load is counted in posts, not seconds: a loaded CI machine then runs
# the same scenario, only slower, and both flushes land in the middle of it.
POSTS = 24
FLUSH_AFTER_POSTS = (8, 16)
# Small, so that deep pages are read past the cached part from the database.
TIMELINE_LENGTH = 60
VISIBILITIES = ("public", "unlisted", "private")


async def make_users(services: Services, count: int) -> list[tuple[int, str]]:
    """(account id, bearer token) of ``count`` new accounts."""
    app_id = services.ids.next_id()
    async with services.db.write() as conn:
        await conn.execute(
            schema.oauth_apps.insert().values(
                id=app_id,
                name="flush test",
                website=None,
                redirect_uris="urn:ietf:wg:oauth:2.0:oob",
                scopes="read write follow",
                client_id=f"flush-{app_id}",
                client_secret="x" * 43,
                created_at=datetime.now(UTC),
            )
        )
    users = []
    for n in range(count):
        account_id = await create_account(
            services, username=f"user{n}", email=f"user{n}@example.com", password="p" * 12
        )
        async with services.db.write() as conn:
            issued = await services.tokens.issue(
                conn, app_id=app_id, account_id=account_id, scopes="read write follow"
            )
        users.append((account_id, issued.access_token))
    return users


async def expected_homes(services: Services) -> dict[int, list[int]]:
    """Each account's home timeline computed straight from the tables: its own
    statuses and the non-direct statuses of the accounts it follows."""
    s, f = schema.statuses, schema.follows
    async with services.db.read(primary=True) as conn:
        statuses = (await conn.execute(sa.select(s.c.id, s.c.account_id, s.c.visibility))).all()
        follows = (await conn.execute(sa.select(f.c.account_id, f.c.target_account_id))).all()
        accounts = (await conn.execute(sa.select(schema.accounts.c.id))).all()
    following: dict[int, set[int]] = defaultdict(set)
    for follower, target in follows:
        following[follower].add(target)
    homes = {}
    for (account_id,) in accounts:
        homes[account_id] = sorted(
            (
                row.id
                for row in statuses
                if row.account_id == account_id
                or (row.account_id in following[account_id] and row.visibility < 3)
            ),
            reverse=True,
        )
    return homes


async def read_home(http: httpx.AsyncClient, token: str, **params: str) -> list[int]:
    response = await http.get(
        "/api/v1/timelines/home",
        params=params,
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200, response.text
    return [int(s["id"]) for s in response.json()]


async def read_whole_home(http: httpx.AsyncClient, token: str) -> list[int]:
    ids: list[int] = []
    params = {"limit": "40"}
    while page := await read_home(http, token, **params):
        ids += page
        params["max_id"] = str(page[-1])
    return ids


class Load:
    """Posts made so far by all clients, and the flush points they pass."""

    def __init__(self) -> None:
        self.posts = 0
        self.flush_points = {n: anyio.Event() for n in FLUSH_AFTER_POSTS}

    def posting(self) -> int | None:
        """Take the next post's number, None once all are taken."""
        if self.posts >= POSTS:
            return None
        self.posts += 1
        return self.posts

    def posted(self, number: int) -> None:
        if (point := self.flush_points.get(number)) is not None:
            point.set()


async def run_client(
    http: httpx.AsyncClient, users: list[tuple[int, str]], seed: int, load: Load
) -> int:
    """Post and read at random until the load's posts are all made; returns
    this client's number of posts."""
    rng = random.Random(seed)
    posts = 0
    while True:
        _, token = rng.choice(users)
        if rng.random() < 0.4:
            if (number := load.posting()) is None:
                return posts
            response = await http.post(
                "/api/v1/statuses",
                json={"status": f"post {seed}-{posts}", "visibility": rng.choice(VISIBILITIES)},
                headers={"Authorization": f"Bearer {token}"},
            )
            assert response.status_code == 200, response.text
            load.posted(number)
            posts += 1
        else:
            page = await read_home(http, token, limit=str(rng.choice((5, 20, 40))))
            assert len(page) == len(set(page)) and page == sorted(page, reverse=True)


async def flush_during(services: Services, load: Load) -> None:
    for point in load.flush_points.values():
        await point.wait()
        await services.timelines.clear()
        await services.cache.clear()


async def test_timelines_are_rebuilt_after_a_flush_under_load(
    scale_out_settings: Settings, services_factory: list[Services]
) -> None:
    settings = scale_out_settings.replace(redis_url=REDIS_URL, home_timeline_length=TIMELINE_LENGTH)
    services = await empty_services(settings)
    services_factory.append(services)
    users = await make_users(services, USERS)
    rng = random.Random(7)
    app = create_app(services=services)
    transport = httpx.ASGITransport(app=app)
    with anyio.fail_after(60):
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=transport, base_url="http://testserver") as http,
        ):
            for account_id, token in users:
                for target, _ in rng.sample(users, 4):
                    if target != account_id:
                        response = await http.post(
                            f"/api/v1/accounts/{target}/follow",
                            headers={"Authorization": f"Bearer {token}"},
                        )
                        assert response.status_code == 200, response.text
            worker = asyncio.create_task(
                services.jobs.run_forever(poll_interval=0.05, concurrency=2)
            )
            try:
                load = Load()
                async with asyncio.TaskGroup() as group:
                    clients = [
                        group.create_task(run_client(http, users, seed, load))
                        for seed in range(CLIENTS)
                    ]
                    group.create_task(flush_during(services, load))
                assert sum(c.result() for c in clients) == POSTS
                assert sum(c.result() > 0 for c in clients) > 1  # concurrent posters
                while await pending_jobs(services):
                    assert not worker.done(), "the job runner stopped"
                    await anyio.sleep(0.05)
            finally:
                services.jobs.stop()
                await worker
            assert await pending_jobs(services) == 0
            expected = await expected_homes(services)
            await check_homes(http, users, expected)
            # Quiet now: a flush loses nothing either, rebuilds give the same.
            await services.timelines.clear()
            await services.cache.clear()
            await check_homes(http, users, expected)


async def check_homes(
    http: httpx.AsyncClient, users: list[tuple[int, str]], expected: dict[int, list[int]]
) -> None:
    for account_id, token in users:
        first = await read_home(http, token)
        assert first == expected[account_id][:20], account_id
        whole = await read_whole_home(http, token)
        assert len(whole) == len(set(whole)), f"duplicates in {account_id}'s home"
        missing = set(expected[account_id]) - set(whole)
        assert not missing, f"{len(missing)} posts missing from {account_id}'s home"
        assert whole == expected[account_id], account_id


async def pending_jobs(services: Services) -> int:
    async with services.db.read(primary=True) as conn:
        return int(
            (await conn.execute(sa.select(sa.func.count()).select_from(schema.jobs))).scalar_one()
        )
