"""Sharded counters: exact after concurrent likes, reblogs and replies from
many clients, and no single hot row for a viral status."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import sqlalchemy as sa

from roost.db import schema
from roost.kernel.cachekeys import counts_key, status_key
from roost.statuses.counters import Counts, add_counts, forget_counts
from roost.statuses.deletion import delete_status
from roost.statuses.drafts import NewStatus
from roost.statuses.marks import favourite_status, unfavourite_status
from roost.statuses.reblogs import reblog_status, unreblog_status
from roost.statuses.service import post_status
from roost.statuses.writes import insert_ignore, lock_statuses
from tests.helpers import ApiClient, User, only_selects
from tests.statuses.support import count_rows, post, scalar

_c = schema.status_counters


def make_users(client: ApiClient, prefix: str, count: int) -> list[User]:
    return [client.make_user(f"{prefix}{i}") for i in range(count)]


def counter_sum(client: ApiClient, status_id: int, column: str) -> int:
    query = sa.select(sa.func.coalesce(sa.func.sum(_c.c[column]), 0)).where(
        _c.c.status_id == status_id
    )
    return int(scalar(client, query))


def shown(client: ApiClient, status_id: int | str, viewer: User | None = None) -> dict[str, Any]:
    response = client.get(f"/api/v1/statuses/{status_id}", user=viewer)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def favourites_of(client: ApiClient, status_id: int) -> int:
    return count_rows(client, schema.favourites, schema.favourites.c.status_id == status_id)


def gather(client: ApiClient, calls: list[Any]) -> list[Any]:
    """Run coroutine factories concurrently on the app's loop."""

    async def run() -> list[Any]:
        return list(await asyncio.gather(*(call() for call in calls)))

    return client.call(run)


def test_counters_exact_after_concurrent_likes_from_many_clients(client: ApiClient) -> None:
    author = client.make_user("author")
    fans = make_users(client, "fan", 30)
    sid = int(post(client, author, "going viral")["id"])
    services = client.services
    shown(client, sid)  # cached with zero likes before the rush

    def like(user: User) -> Any:
        return lambda: favourite_status(services, account_id=user.id, status_id=sid)

    def unlike(user: User) -> Any:
        return lambda: unfavourite_status(services, account_id=user.id, status_id=sid)

    # Every fan at once, and ten of them twice (a client retrying): 30 likes.
    gather(client, [like(u) for u in fans] + [like(u) for u in fans[:10]])
    assert favourites_of(client, sid) == 30
    assert counter_sum(client, sid, "favourites") == 30
    assert shown(client, sid)["favourites_count"] == 30
    assert shown(client, sid, fans[0])["favourited"] is True

    # Half take it back, concurrently, some twice; the others like again.
    leaving = fans[::2]
    gather(client, [unlike(u) for u in leaving] + [unlike(u) for u in leaving[:5]])
    gather(client, [like(u) for u in fans[1::2]])
    assert favourites_of(client, sid) == 15
    assert counter_sum(client, sid, "favourites") == 15
    assert shown(client, sid)["favourites_count"] == 15
    assert shown(client, sid, fans[0])["favourited"] is False


def test_counters_exact_after_concurrent_likes_over_http(client: ApiClient) -> None:
    author = client.make_user("author")
    fans = make_users(client, "fan", 20)
    sid = post(client, author, "liked over HTTP")["id"]

    def act(user: User, action: str) -> int:
        response = client.post(f"/api/v1/statuses/{sid}/{action}", user=user)
        assert response.status_code == 200, response.text
        count: int = response.json()["favourites_count"]
        return count

    with ThreadPoolExecutor(max_workers=10) as pool:
        liked = list(pool.map(lambda u: act(u, "favourite"), fans))
    # Each answer counts at least its own like, the last one all of them.
    assert all(1 <= n <= 20 for n in liked)
    assert shown(client, sid)["favourites_count"] == 20
    with ThreadPoolExecutor(max_workers=10) as pool:
        list(pool.map(lambda u: act(u, "unfavourite"), fans[:10]))
    assert shown(client, sid)["favourites_count"] == 10
    assert favourites_of(client, int(sid)) == 10
    assert counter_sum(client, int(sid), "favourites") == 10


def test_counters_exact_after_concurrent_reblogs_and_replies(client: ApiClient) -> None:
    author = client.make_user("author")
    fans = make_users(client, "fan", 20)
    sid = int(post(client, author, "share and discuss")["id"])
    services = client.services

    def reblog(user: User) -> Any:
        return lambda: reblog_status(services, account_id=user.id, status_id=sid)

    def reply(user: User) -> Any:
        new = NewStatus(
            author_id=user.id, text=f"@author reply {user.username}", in_reply_to_id=sid
        )
        return lambda: post_status(services, new)

    results = gather(client, [reblog(u) for u in fans] + [reblog(u) for u in fans[:5]])
    results += gather(client, [reply(u) for u in fans])
    reply_ids = results[25:]
    s = schema.statuses
    assert count_rows(client, s, s.c.reblog_of_id == sid) == 20
    assert shown(client, sid)["reblogs_count"] == 20
    assert shown(client, sid)["replies_count"] == 20

    def unreblog(user: User) -> Any:
        return lambda: unreblog_status(services, account_id=user.id, status_id=sid)

    def delete(user: User, status_id: int) -> Any:
        return lambda: delete_status(services, status_id=status_id, account_id=user.id)

    gather(
        client,
        [unreblog(u) for u in fans[:12]]
        + [delete(u, r) for u, r in zip(fans[:8], reply_ids[:8], strict=True)],
    )
    assert count_rows(client, s, s.c.reblog_of_id == sid) == 8
    assert count_rows(client, s, s.c.in_reply_to_id == sid) == 12
    body = shown(client, sid)
    assert (body["reblogs_count"], body["replies_count"]) == (8, 12)
    assert counter_sum(client, sid, "reblogs") == 8
    assert counter_sum(client, sid, "replies") == 12


def test_likes_spread_over_shards(client: ApiClient) -> None:
    author = client.make_user("author")
    fans = make_users(client, "fan", 30)
    sid = int(post(client, author, "hot")["id"])
    services = client.services
    gather(
        client,
        [(lambda u=u: favourite_status(services, account_id=u.id, status_id=sid)) for u in fans],
    )
    rows = count_rows(client, _c, _c.c.status_id == sid)
    # 30 random picks of 16 shards: fewer than 4 distinct has odds below 1e-19.
    assert 4 <= rows <= 16
    assert counter_sum(client, sid, "favourites") == 30


def test_like_keeps_the_status_record_cached(client: ApiClient) -> None:
    author = client.make_user("author")
    fan = client.make_user("fan")
    sid = int(post(client, author, "cached record")["id"])
    cache = client.services.cache
    assert shown(client, sid)["favourites_count"] == 0
    keys = [status_key(sid), counts_key(sid)]
    assert set(client.call(cache.get_many, keys)) == set(keys)
    services = client.services

    async def like() -> None:
        await favourite_status(services, account_id=fan.id, status_id=sid)

    client.call(like)
    # The like dropped the counts only; the record stays in the cache.
    assert set(client.call(cache.get_many, keys)) == {status_key(sid)}
    with client.count_queries() as statements:
        assert shown(client, sid)["favourites_count"] == 1
    selects = only_selects(statements)
    assert len(selects) == 1 and "status_counters" in selects[0]
    # Through HTTP the answer to the like refills the counts at once.
    other = client.make_user("other")
    liked = client.post(f"/api/v1/statuses/{sid}/favourite", user=other)
    assert liked.json()["favourites_count"] == 2
    with client.count_queries() as statements:
        assert shown(client, sid)["favourites_count"] == 2
    assert only_selects(statements) == []


def test_render_cost_is_constant_with_counters(client: ApiClient) -> None:
    author = client.make_user("author")
    fans = make_users(client, "fan", 3)
    ids = [int(post(client, author, f"status {i}")["id"]) for i in range(30)]
    services = client.services
    gather(
        client,
        [
            (lambda u=u, i=i: favourite_status(services, account_id=u.id, status_id=i))
            for u in fans
            for i in ids
        ],
    )

    def cold_selects(batch: list[int]) -> int:
        from roost.statuses.hydrate import render_statuses

        async def render() -> list[Any]:
            return list(await render_statuses(services, batch, viewer_id=fans[0].id))

        client.call(services.cache.clear)
        with client.count_queries() as statements:
            rendered = client.call(render)
        assert [s.favourites_count for s in rendered] == [3] * len(batch)
        return len(only_selects(statements))

    assert cold_selects(ids[:5]) == cold_selects(ids)


def test_delete_removes_counter_rows(client: ApiClient) -> None:
    author = client.make_user("author")
    fan = client.make_user("fan")
    sid = post(client, author, "short-lived")["id"]
    client.post(f"/api/v1/statuses/{sid}/favourite", user=fan)
    reply = post(client, fan, "a reply", in_reply_to_id=sid)
    assert count_rows(client, _c, _c.c.status_id == int(sid)) >= 1
    assert client.delete(f"/api/v1/statuses/{reply['id']}", user=fan).status_code == 200
    assert shown(client, sid)["replies_count"] == 0
    assert client.delete(f"/api/v1/statuses/{sid}", user=author).status_code == 200
    assert count_rows(client, _c, _c.c.status_id == int(sid)) == 0


async def _open_like(conn: Any, status_id: int, account_id: int, shard: int) -> None:
    """The writes of a like, with a chosen shard, in an open transaction."""
    assert await lock_statuses(conn, [status_id]) == {status_id}
    f = schema.favourites
    await conn.execute(
        insert_ignore(conn, f, ["account_id", "status_id"]).values(
            id=account_id, account_id=account_id, status_id=status_id, created_at=sa.func.now()
        )
    )
    await add_counts(conn, {status_id: Counts(favourites=1)}, shard=shard)


def test_open_likes_do_not_wait_for_each_other_on_postgresql(
    client: ApiClient, backend: str
) -> None:
    if backend == "sqlite":
        pytest.skip("SQLite has one writer at a time")
    author = client.make_user("author")
    sid = int(post(client, author, "contended")["id"])
    engine = client.services.db.engine

    async def scenario() -> list[str]:
        timed_out: list[str] = []
        async with engine.connect() as first, engine.connect() as second:
            await first.begin()
            await _open_like(first, sid, 1, shard=1)
            # A second like on another shard goes through while the first
            # transaction is still open: the status row is only share-locked.
            await second.begin()
            await second.execute(sa.text("SET LOCAL lock_timeout = '5s'"))
            await _open_like(second, sid, 2, shard=2)
            await second.commit()
            # The same shard row does wait (so the test above can fail), and
            # so does a deletion of the status, until the like commits.
            for label, statement in (
                ("same shard", None),
                ("delete", schema.statuses.delete().where(schema.statuses.c.id == sid)),
            ):
                async with engine.connect() as third:
                    await third.begin()
                    await third.execute(sa.text("SET LOCAL lock_timeout = '300ms'"))
                    try:
                        if statement is None:
                            await _open_like(third, sid, 3, shard=1)
                        else:
                            await third.execute(statement)
                    except sa.exc.DBAPIError as error:
                        assert "lock" in str(error).lower()
                        timed_out.append(label)
                    await third.rollback()
            await first.commit()
        # These raw writes skipped the services: drop the cached counts as they do.
        await forget_counts(client.services, sid)
        return timed_out

    assert client.call(scenario) == ["same shard", "delete"]
    assert counter_sum(client, sid, "favourites") == 2
    assert shown(client, sid)["favourites_count"] == 2


def test_add_counts_for_several_statuses_at_once(client: ApiClient) -> None:
    author = client.make_user("author")
    ids = [int(post(client, author, f"s{i}")["id"]) for i in range(3)]
    services = client.services

    async def write() -> None:
        async with services.db.write() as conn:
            await add_counts(
                conn,
                {
                    ids[0]: Counts(favourites=2, replies=1),
                    ids[1]: Counts(reblogs=3),
                    ids[2]: Counts(),  # nothing to write
                },
            )
            await add_counts(conn, {ids[0]: Counts(favourites=-1), ids[1]: Counts(reblogs=-1)})
        await forget_counts(services, *ids)

    client.call(write)
    assert count_rows(client, _c, _c.c.status_id == ids[2]) == 0
    counts = [
        (b["favourites_count"], b["reblogs_count"], b["replies_count"])
        for b in (shown(client, i) for i in ids)
    ]
    assert counts == [(1, 0, 1), (0, 2, 0), (0, 0, 0)]
