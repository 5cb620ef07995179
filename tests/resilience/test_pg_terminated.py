"""PostgreSQL connections terminated by the server (``pg_terminate_backend``,
as a restart or an administrator would) between requests cost no request:
the pool hands out fresh connections instead of the dead ones, and a write
committed just before the termination is answered with its result, not a
500 the client would retry (posting twice)."""

from __future__ import annotations

import subprocess
from typing import Any

import asyncpg
import pytest

from roost.jobs import queue
from roost.statuses import marks
from roost.statuses import service as status_service
from roost.timelines import service as timeline_service
from tests.conftest import PG_ADMIN_URL
from tests.helpers import ApiClient

pytestmark = pytest.mark.parametrize("backend", ["postgresql", "postgresql+redis"])


async def terminate_connections(database: str) -> int:
    """Terminate every connection to ``database`` and wait until they are gone."""
    admin = await asyncpg.connect(PG_ADMIN_URL)
    try:
        pids = [
            row["pid"]
            for row in await admin.fetch(
                "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
                database,
            )
        ]
        for pid in pids:
            await admin.execute("SELECT pg_terminate_backend($1)", pid)
        while await admin.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE pid = any($1::int[])", pids
        ):
            pass  # each query is a round trip: the backends exit meanwhile
    finally:
        await admin.close()
    return len(pids)


def database_name(client: ApiClient) -> str:
    return client.services.settings.database_url.rsplit("/", 1)[1]


def test_terminated_pool_connections_cost_no_request(client: ApiClient) -> None:
    alice, bob = client.make_user("alice"), client.make_user("bob")
    client.post(f"/api/v1/accounts/{bob.sid}/follow", user=alice)
    posted = client.post("/api/v1/statuses", user=bob, data={"status": "hello"}).json()
    client.drain()
    terminated = 0
    for verb in ("favourite", "unfavourite") * 2:
        terminated += client.call(terminate_connections, database_name(client))
        marked = client.post(f"/api/v1/statuses/{posted['id']}/{verb}", user=alice)
        assert marked.status_code == 200, marked.text
        assert marked.json()["favourited"] is (verb == "favourite")
        terminated += client.call(terminate_connections, database_name(client))
        home = client.get("/api/v1/timelines/home", user=alice)
        assert home.status_code == 200, home.text
        assert [s["id"] for s in home.json()] == [posted["id"]]
    assert terminated >= 4  # at least every write's connection


def test_a_like_committed_before_its_connections_die_is_answered(
    client: ApiClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    alice, bob = client.make_user("alice"), client.make_user("bob")
    posted = client.post("/api/v1/statuses", user=bob, data={"status": "hello"}).json()
    real_forget_flags = marks.forget_flags  # type: ignore[attr-defined]
    database = database_name(client)

    async def terminate_then_forget(*args: object, **kwargs: object) -> None:
        # Right after the like's commit, before the response is rendered.
        await terminate_connections(database)
        await real_forget_flags(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(marks, "forget_flags", terminate_then_forget)
    liked = client.post(f"/api/v1/statuses/{posted['id']}/favourite", user=alice)
    assert liked.status_code == 200, liked.text
    assert liked.json()["favourited"] is True
    assert liked.json()["favourites_count"] == 1


def terminate_unseen(database: str) -> None:
    """Terminate every connection to ``database`` from another process while
    blocking this event loop: the pooled connections' sockets are closed, but
    asyncpg has not read that yet when the next statement is sent (the
    window the free check at checkout cannot see)."""
    subprocess.run(
        [
            "psql",
            PG_ADMIN_URL,
            "-Atc",
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            f" WHERE datname = '{database}' AND pid <> pg_backend_pid();"
            " SELECT pg_sleep(0.2);",
        ],
        check=True,
        capture_output=True,
        timeout=30,
    )


def test_a_dead_connection_met_after_a_commit_costs_one_retry_not_a_500(
    client: ApiClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    alice, bob = client.make_user("alice"), client.make_user("bob")
    posted = client.post("/api/v1/statuses", user=bob, data={"status": "hello"}).json()
    real_forget_flags = marks.forget_flags  # type: ignore[attr-defined]
    database = database_name(client)

    async def terminate_then_forget(*args: object, **kwargs: object) -> None:
        terminate_unseen(database)  # blocks the loop on purpose
        await real_forget_flags(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(marks, "forget_flags", terminate_then_forget)
    liked = client.post(f"/api/v1/statuses/{posted['id']}/favourite", user=alice)
    assert liked.status_code == 200, liked.text
    assert liked.json()["favourited"] is True


def test_a_read_that_meets_a_dead_connection_is_answered(
    client: ApiClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    alice = client.make_user("alice")
    client.post("/api/v1/statuses", user=alice, data={"status": "hello"})
    real_account_timeline = timeline_service.account_timeline
    database = database_name(client)

    async def terminate_then_read(*args: Any, **kwargs: Any) -> Any:
        terminate_unseen(database)  # blocks the loop on purpose
        return await real_account_timeline(*args, **kwargs)

    monkeypatch.setattr(timeline_service, "account_timeline", terminate_then_read)
    statuses = client.get(f"/api/v1/accounts/{alice.sid}/statuses", user=alice)
    assert statuses.status_code == 200, statuses.text
    assert [s["content"] for s in statuses.json()] == ["<p>hello</p>"]


def test_a_post_whose_connection_dies_before_its_commit_is_posted_once(
    client: ApiClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The connection dies inside the post's transaction: nothing of it was
    committed, so the handler runs again on a fresh connection."""
    alice = client.make_user("alice")
    real_enqueue = queue.enqueue_many
    database = database_name(client)
    calls = []

    async def terminate_then_enqueue(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 1:
            terminate_unseen(database)  # blocks the loop on purpose
        return await real_enqueue(*args, **kwargs)

    monkeypatch.setattr(status_service, "enqueue_many", terminate_then_enqueue)
    posted = client.post("/api/v1/statuses", user=alice, data={"status": "once"})
    assert posted.status_code == 200, posted.text
    assert len(calls) == 2  # the first attempt died and was rolled back
    statuses = client.get(f"/api/v1/accounts/{alice.sid}/statuses", user=alice).json()
    assert [s["id"] for s in statuses] == [posted.json()["id"]]


def test_a_post_whose_commit_meets_a_dead_connection_gets_a_503_and_a_retry_posts_once(
    client: ApiClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The connection dies inside the post's transaction, so the commit
    fails after it was attempted: the handler is not run again (it might
    have written) and the client hears 503 with Retry-After, not a 500.
    The same post sent again with its Idempotency-Key is written once."""
    alice = client.make_user("alice")
    real_enqueue = queue.enqueue_many
    database = database_name(client)
    cut_once: list[int] = []

    async def enqueue_then_terminate(*args: Any, **kwargs: Any) -> Any:
        done = await real_enqueue(*args, **kwargs)
        if not cut_once:
            cut_once.append(1)
            terminate_unseen(database)  # the transaction's connection dies before COMMIT
        return done

    monkeypatch.setattr(status_service, "enqueue_many", enqueue_then_terminate)
    headers = {"Idempotency-Key": "commit-cut-1"}
    cut = client.post("/api/v1/statuses", user=alice, data={"status": "cut"}, headers=headers)
    assert cut.status_code == 503, cut.text
    assert cut.json()["error"] == "The database is unavailable; try again shortly"
    assert cut.headers["Retry-After"] == "1"

    again = client.post("/api/v1/statuses", user=alice, data={"status": "cut"}, headers=headers)
    assert again.status_code == 200, again.text
    again_too = client.post("/api/v1/statuses", user=alice, data={"status": "cut"}, headers=headers)
    assert again_too.json()["id"] == again.json()["id"]
    mine = client.get(f"/api/v1/accounts/{alice.sid}/statuses", user=alice).json()
    assert [s["id"] for s in mine] == [again.json()["id"]]
