"""Group commit of posts (roost.db.group_commit, Services.posting): concurrent
posts share transactions, a bad post fails alone, and no post is answered
before the commit that holds it."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.db import schema
from roost.db.engine import Database
from roost.db.group_commit import GroupCommit
from roost.kernel.errors import NotFound
from roost.statuses import service as status_service
from roost.statuses.drafts import NewStatus
from roost.statuses.service import post_status
from tests.helpers import ApiClient
from tests.statuses.support import count_rows, jobs_of_kind, scalar

_t = schema.tags


def _tag_writer(db: Database, *, max_batch: int = 64) -> GroupCommit[str, int]:
    """A group commit that writes one tag row per item; "bad" items raise
    after writing their row (which must then not survive)."""

    async def write(conn: AsyncConnection, names: Sequence[str]) -> list[int]:
        ids = []
        for name in names:
            tag_id = 10_000 + len(name) * 1000 + sum(map(ord, name))
            await conn.execute(
                _t.insert().values(id=tag_id, name=name, created_at=sa.func.current_timestamp())
            )
            if name.startswith("bad"):
                raise ValueError(f"refused {name}")
            ids.append(tag_id)
        return ids

    return GroupCommit(db, write, max_batch=max_batch)


def _tag_names(client: ApiClient) -> list[str]:
    async def run() -> list[str]:
        async with client.services.db.read(primary=True) as conn:
            return list((await conn.execute(sa.select(_t.c.name).order_by(_t.c.name))).scalars())

    return client.call(run)


def test_concurrent_posts_share_transactions_and_all_count(client: ApiClient) -> None:
    alice = client.make_user("alice")
    services = client.services
    before = services.posting.batches

    async def post_many() -> list[int]:
        news = [NewStatus(author_id=alice.id, text=f"post {i}") for i in range(30)]
        return list(await asyncio.gather(*(post_status(services, n) for n in news)))

    ids = client.call(post_many)
    assert len(set(ids)) == 30
    s = schema.statuses
    assert count_rows(client, s, s.c.account_id == alice.id) == 30
    # Fewer transactions than posts: they were grouped.
    assert services.posting.batches - before < 30
    a = schema.accounts
    assert scalar(client, sa.select(a.c.statuses_count).where(a.c.id == alice.id)) == 30
    # Each post has its own job: the fan-out, which also notifies.
    assert sorted(j["status_id"] for j in jobs_of_kind(client, "fanout_status")) == (sorted(ids))
    assert all(j["notify"] for j in jobs_of_kind(client, "fanout_status"))
    assert jobs_of_kind(client, "notify_status") == []
    client.drain()
    page = client.get(f"/api/v1/accounts/{alice.sid}/statuses?limit=40", user=alice).json()
    assert sorted(int(p["id"]) for p in page) == sorted(ids)


def test_one_failing_item_fails_alone(client: ApiClient) -> None:
    writer = _tag_writer(client.services.db)

    async def submit_all() -> list[Any]:
        names = ["a1", "a2", "bad1", "a3", "a4"]
        return list(
            await asyncio.gather(*(writer.submit(n) for n in names), return_exceptions=True)
        )

    results = client.call(submit_all)
    assert isinstance(results[2], ValueError)
    assert all(isinstance(r, int) for i, r in enumerate(results) if i != 2)
    # The batch failed, was rolled back and written again item by item.
    assert writer.batches == 1 and writer.rewritten == 5
    assert _tag_names(client) == ["a1", "a2", "a3", "a4"]


def test_a_reply_to_a_status_deleted_meanwhile_fails_alone(
    client: ApiClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its parent vanishes between the check and the shared transaction:
    that post gets 404, the posts sharing its transaction are written."""
    alice = client.make_user("alice")
    bob = client.make_user("bob")
    parent_id = int(client.post("/api/v1/statuses", user=alice, data={"status": "p"}).json()["id"])
    services = client.services
    real_resolve = status_service._resolve_parent
    checked = asyncio.Event()
    go = asyncio.Event()
    passed: list[int] = []

    async def resolve_then_wait(*args: Any) -> Any:
        parent = await real_resolve(*args)
        passed.append(1)
        if len(passed) == 5:
            checked.set()
        await go.wait()
        return parent

    monkeypatch.setattr(status_service, "_resolve_parent", resolve_then_wait)

    async def run() -> list[Any]:
        new = [NewStatus(author_id=bob.id, text=f"plain {i}") for i in range(4)]
        new.insert(2, NewStatus(author_id=bob.id, text="reply", in_reply_to_id=parent_id))
        tasks = [asyncio.ensure_future(post_status(services, n)) for n in new]
        await checked.wait()  # every post passed its checks, the reply's parent too
        async with services.db.write() as conn:
            await conn.execute(schema.statuses.delete().where(schema.statuses.c.id == parent_id))
        go.set()  # now all go to one shared transaction
        return list(await asyncio.gather(*tasks, return_exceptions=True))

    before = services.posting.rewritten
    results = client.call(run)
    assert isinstance(results[2], NotFound)
    assert all(isinstance(r, int) for i, r in enumerate(results) if i != 2)
    # Found in the shared transaction: that batch was written again post by post.
    assert services.posting.rewritten - before == 5
    s = schema.statuses
    assert count_rows(client, s, s.c.account_id == bob.id) == 4
    assert count_rows(client, s, s.c.in_reply_to_id == parent_id) == 0


def test_the_same_idempotency_key_in_one_batch_posts_once(client: ApiClient) -> None:
    alice = client.make_user("alice")
    services = client.services

    async def run() -> list[int]:
        news = [NewStatus(author_id=alice.id, text="same", idempotency_key="k1") for _ in range(3)]
        news += [NewStatus(author_id=alice.id, text=f"other {i}") for i in range(3)]
        return list(await asyncio.gather(*(post_status(services, n) for n in news)))

    ids = client.call(run)
    assert ids[0] == ids[1] == ids[2]
    assert len(set(ids[3:])) == 3 and ids[0] not in ids[3:]
    s = schema.statuses
    assert count_rows(client, s, s.c.account_id == alice.id) == 4


def test_no_item_is_answered_before_its_commit(client: ApiClient) -> None:
    db = client.services.db
    release = asyncio.Event()
    inside = asyncio.Event()

    async def write(conn: AsyncConnection, names: Sequence[str]) -> list[int]:
        for name in names:
            await conn.execute(
                _t.insert().values(
                    id=500 + len(name), name=name, created_at=sa.func.current_timestamp()
                )
            )
        inside.set()
        await release.wait()
        return [1] * len(names)

    writer: GroupCommit[str, int] = GroupCommit(db, write, max_batch=64)

    async def run() -> tuple[bool, list[int]]:
        first = asyncio.ensure_future(writer.submit("x"))
        await inside.wait()
        # The transaction is open: nobody has an answer yet.
        await asyncio.sleep(0.05)
        answered_early = first.done()
        release.set()
        return answered_early, [await first]

    answered_early, results = client.call(run)
    assert not answered_early
    assert results == [1]
    assert _tag_names(client) == ["x"]


def test_a_failed_commit_answers_nobody_and_leaves_nothing(
    client: ApiClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The process dies at the commit (here: the commit raises and the
    transaction is rolled back): every post of the batch gets the error,
    none is acknowledged, none is written, and none is retried on a fresh
    connection (the outcome of a commit cut mid-way is unknown)."""
    alice = client.make_user("alice")
    services = client.services
    real_write = services.db.write

    @contextlib.asynccontextmanager
    async def write_then_lose_the_commit() -> AsyncIterator[AsyncConnection]:
        async with real_write() as conn:
            yield conn
            # The block ran; its commit never happens (rolled back instead).
            raise ConnectionResetError("connection lost during COMMIT")

    monkeypatch.setattr(services.db, "write", write_then_lose_the_commit)

    async def run() -> list[Any]:
        news = [NewStatus(author_id=alice.id, text=f"lost {i}") for i in range(5)]
        return list(
            await asyncio.gather(*(post_status(services, n) for n in news), return_exceptions=True)
        )

    results = client.call(run)
    assert all(isinstance(r, ConnectionResetError) for r in results), results
    monkeypatch.undo()
    s = schema.statuses
    assert count_rows(client, s, s.c.account_id == alice.id) == 0
    assert jobs_of_kind(client, "fanout_status") == []
    a = schema.accounts
    assert scalar(client, sa.select(a.c.statuses_count).where(a.c.id == alice.id)) == 0
    # The server still posts afterwards.
    posted = client.post("/api/v1/statuses", user=alice, data={"status": "after"})
    assert posted.status_code == 200, posted.text


def test_a_stopped_flusher_leaves_no_writer_waiting(client: ApiClient) -> None:
    """The flusher is cancelled mid-transaction (the process is shutting
    down): every writer it held, and every one queued behind, gets an
    error instead of waiting forever, and nothing is written."""
    db = client.services.db
    inside = asyncio.Event()

    async def write(conn: AsyncConnection, names: Sequence[str]) -> list[int]:
        for name in names:
            await conn.execute(
                _t.insert().values(id=700 + len(name), name=name, created_at=sa.func.now())
            )
        inside.set()
        await asyncio.Event().wait()  # never returns
        return [1] * len(names)

    writer: GroupCommit[str, int] = GroupCommit(db, write, max_batch=1)

    async def run() -> list[Any]:
        first = asyncio.ensure_future(writer.submit("held"))
        await inside.wait()
        queued = asyncio.ensure_future(writer.submit("queued"))
        await asyncio.sleep(0)
        assert writer._flusher is not None
        writer._flusher.cancel()
        return list(await asyncio.gather(first, queued, return_exceptions=True))

    results = client.call(run)
    assert all(isinstance(r, RuntimeError) for r in results), results
    assert _tag_names(client) == []
