"""Read replicas for real: a streaming replica of a PostgreSQL primary
(tests/pg_replica.py). Lag-tolerant reads go to the replica while it is
fresh; the account that wrote reads its own writes at once; a replica that
falls behind (replay paused) or dies is left out and the primary answers."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from sqlalchemy import event

from roost.config import Settings
from roost.kernel.cachekeys import authored_key
from tests.helpers import CHEAP_PASSWORD_HASHING, ApiClient, User
from tests.pg_replica import ReplicaPair, replica_pair

pytestmark = [pytest.mark.postgres, pytest.mark.e2e]

MAX_LAG = 1


@pytest.fixture(scope="module")
def pair() -> Iterator[ReplicaPair]:
    with replica_pair() as started:
        yield started


@pytest.fixture
def client(pair: ReplicaPair, tmp_path: Path) -> Iterator[ApiClient]:
    settings = Settings(
        data_dir=tmp_path / "data",
        database_url=pair.primary_url,
        database_replica_urls=(pair.replica_url,),
        database_replica_max_lag_seconds=MAX_LAG,
        run_workers=False,
        public_url="http://testserver",
        domain="testserver",
        worker_id=1,
        rate_limits=False,
    ).replace(**CHEAP_PASSWORD_HASHING)
    with ApiClient.start(settings) as api:
        replicas = api.services.db.replica_set
        assert replicas is not None
        replicas.poll_interval = 0.1
        yield api


def wait_until(condition: Callable[[], bool], within: float = 15.0) -> None:
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


class ReplicaReads:
    """Counts the statements the replica's engine runs."""

    def __init__(self, client: ApiClient) -> None:
        self.count = 0
        (engine,) = client.services.db.replicas
        event.listen(engine.sync_engine, "before_cursor_execute", self._seen)

    def _seen(self, *_: Any) -> None:
        self.count += 1


def usable(client: ApiClient) -> list[str]:
    replicas = client.services.db.replica_set
    assert replicas is not None
    return replicas.usable()


def texts(client: ApiClient, author: User, reader: User) -> list[str]:
    """The author's statuses with the ``#lag`` hashtag, a lag-tolerant read
    from the database (the ``tagged`` filter of a profile; its plain pages,
    the public and the hashtag timelines come from lists in the timeline
    store, filled from the primary: no replica read to follow)."""
    answer = client.get(
        f"/api/v1/accounts/{author.sid}/statuses", user=reader, params={"tagged": "lag"}
    )
    assert answer.status_code == 200, answer.text
    return [plain(s["content"]) for s in answer.json()]


def plain(content: str) -> str:
    """A status's text without its markup and its ``#lag`` hashtag."""
    return re.sub(r"<[^>]+>", "", content).removesuffix(" #lag")


def on_replica(pair: ReplicaPair, statement: str) -> None:
    async def run() -> None:
        conn = await asyncpg.connect(pair.replica_url)
        try:
            await conn.execute(statement)
        finally:
            await conn.close()

    asyncio.run(run())


def post(client: ApiClient, user: User, text: str) -> None:
    answer = client.post("/api/v1/statuses", user=user, data={"status": f"{text} #lag"})
    assert answer.status_code == 200, answer.text


def test_fresh_replica_reads_read_your_writes_and_lag(client: ApiClient, pair: ReplicaPair) -> None:
    alice, bob = client.make_user("alice"), client.make_user("bob")
    post(client, alice, "one")
    wait_until(lambda: usable(client) == ["replica0"])
    replica = ReplicaReads(client)
    wait_until(lambda: texts(client, alice, bob) == ["one"])
    assert replica.count > 0  # the replica answered bob

    on_replica(pair, "SELECT pg_wal_replay_pause()")
    try:
        post(client, alice, "two")
        # Alice reads her own post at once, in a new request: her reads go
        # to the primary while the replica lacks her write.
        assert texts(client, alice, alice) == ["two", "one"]
        # The replica, paused, falls more than MAX_LAG behind and is left
        # out: bob reads the primary and sees the post.
        wait_until(lambda: usable(client) == [])
        assert texts(client, alice, bob) == ["two", "one"]
        # A profile's list rebuilt meanwhile reads the primary, so it
        # holds the post the replica lacks.
        client.call(client.services.timelines.drop, authored_key(alice.id))
        profile = client.get(f"/api/v1/accounts/{alice.sid}/statuses", user=bob).json()
        assert [plain(p["content"]) for p in profile] == ["two", "one"]
    finally:
        on_replica(pair, "SELECT pg_wal_replay_resume()")
    wait_until(lambda: usable(client) == ["replica0"])
    before = replica.count
    assert texts(client, alice, bob) == ["two", "one"]
    assert replica.count > before  # back on the replica


def test_a_dead_replica_degrades_to_the_primary(client: ApiClient, pair: ReplicaPair) -> None:
    alice, bob = client.make_user("alice"), client.make_user("bob")
    post(client, alice, "hello")
    wait_until(lambda: usable(client) == ["replica0"])
    wait_until(lambda: texts(client, alice, bob) == ["hello"])
    pair.stop_replica()
    try:
        for _ in range(5):  # no failed request, before and after the monitor notices
            assert texts(client, alice, bob) == ["hello"]
        wait_until(lambda: usable(client) == [])
        post(client, alice, "still writing")
        assert texts(client, alice, bob) == ["still writing", "hello"]
    finally:
        pair.start_replica()
    wait_until(lambda: usable(client) == ["replica0"])
