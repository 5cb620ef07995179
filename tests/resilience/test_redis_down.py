"""The scale-out deployment (PostgreSQL + Redis) keeps answering while Redis is
away, and is correct again once it is back: nothing listening on the Redis
port, a Redis killed and restarted empty, and a network cut while Redis
keeps its data (the case where a lost invalidation would serve stale data).
"""

from __future__ import annotations

import signal
import time
from datetime import UTC, datetime, timedelta

import redis
import sqlalchemy as sa

from roost.config import Settings
from roost.db import schema
from roost.infra.redis_client import SOCKET_TIMEOUT_SECONDS
from roost.infra.resilient import ResilientCache
from roost.kernel.cachekeys import account_key, home_key, status_key
from tests.helpers import ApiClient, User
from tests.resilience.support import breaker_clock, free_port, redis_process, tcp_relay
from tests.timelines.support import delete, follow, home, post


def job_rows(client: ApiClient) -> list[sa.Row[tuple[object, ...]]]:
    async def read() -> list[sa.Row[tuple[object, ...]]]:
        async with client.services.db.read(primary=True) as conn:
            return list((await conn.execute(sa.select(schema.jobs))).all())

    return client.call(read)


def make_jobs_due(client: ApiClient) -> None:
    """As if the postponement had passed."""

    async def update() -> None:
        async with client.services.db.write() as conn:
            past = datetime.now(UTC) - timedelta(seconds=1)
            await conn.execute(schema.jobs.update().values(run_after=past))

    client.call(update)


def assert_postponed(client: ApiClient, count: int) -> None:
    rows = job_rows(client)
    assert len(rows) == count
    for row in rows:
        assert row.state == "pending" and row.attempts == 0, row
        assert "unreachable" in str(row.last_error), row


def check_reads(client: ApiClient, bob: User, alice: User, expected: list[str]) -> None:
    """What readers see: bob's home timeline (whole, and paged one by one),
    a status, an account, bob's own credentials."""
    assert home(client, bob) == expected
    paged: list[str] = []
    params: dict[str, str] = {"limit": "1"}
    while page := home(client, bob, **params):
        paged += page
        params["max_id"] = page[-1]
    assert paged == expected
    response = client.get(f"/api/v1/statuses/{expected[-1]}", user=bob)
    assert response.status_code == 200, response.text
    response = client.get(f"/api/v1/accounts/{alice.id}", user=bob)
    assert response.status_code == 200 and response.json()["username"] == "alice"
    response = client.get("/api/v1/accounts/verify_credentials", user=bob)
    assert response.status_code == 200 and response.json()["id"] == bob.sid


def set_up(client: ApiClient) -> tuple[User, User, str, str]:
    alice, bob = client.make_user("alice"), client.make_user("bob")
    follow(client, bob, alice)
    first = post(client, alice, "first")
    second = post(client, bob, "second")
    return alice, bob, first, second


def test_nothing_listening_on_the_redis_port(scale_out_settings: Settings) -> None:
    settings = scale_out_settings.replace(redis_url=f"redis://127.0.0.1:{free_port()}/0")
    with ApiClient.start(settings) as client:
        alice, bob, first, second = set_up(client)
        client.drain()
        assert_postponed(client, 3)  # the follow's and two fan-outs
        check_reads(client, bob, alice, [second, first])
        response = client.get("/api/v1/timelines/public", user=bob)
        assert response.status_code == 200
        assert [s["id"] for s in response.json()] == [second, first]
        # Writes keep working; their invalidations wait for Redis.
        response = client.patch(
            "/api/v1/accounts/update_credentials", user=alice, data={"display_name": "Al"}
        )
        assert response.status_code == 200, response.text
        assert client.get(f"/api/v1/accounts/{alice.id}").json()["display_name"] == "Al"
        delete(client, alice, first)
        assert client.get(f"/api/v1/statuses/{first}", user=bob).status_code == 404
        assert home(client, bob) == [second]
        cache = client.services.cache
        assert isinstance(cache, ResilientCache) and cache.pending_invalidations > 0
        # However long the outage, the jobs wait for Redis instead of being parked.
        for _ in range(12):
            make_jobs_due(client)
            client.drain()
        # (The fan-out of the deleted status found nothing to do.)
        assert_postponed(client, 3)


def redis_keys(url: str, *keys: str) -> list[bool]:
    with redis.Redis.from_url(url) as raw:
        return [bool(raw.exists(key)) for key in keys]


def test_redis_killed_and_restarted_empty(scale_out_settings: Settings) -> None:
    with redis_process() as server:
        settings = scale_out_settings.replace(redis_url=server.url)
        prefix = settings.redis_key_prefix
        with ApiClient.start(settings) as client:
            breaker, clock = breaker_clock(client)
            alice, bob, first, second = set_up(client)
            client.drain()
            check_reads(client, bob, alice, [second, first])
            timeline_key = f"{prefix}tl:{{{home_key(bob.id)}}}"
            cached = [timeline_key, f"{prefix}c:{account_key(alice.id)}"]
            assert redis_keys(server.url, *cached) == [True, True]

            server.kill()
            check_reads(client, bob, alice, [second, first])
            during = post(client, alice, "while Redis is down")
            client.drain()
            assert_postponed(client, 1)
            check_reads(client, bob, alice, [during, second, first])

            server.start()  # empty: as after a restart without persistence
            deadline = time.monotonic() + 10
            while redis_keys(server.url, *cached) != [True, True]:
                assert time.monotonic() < deadline, "timeline and caches not rebuilt"
                check_reads(client, bob, alice, [during, second, first])
                clock.advance(breaker.retry_interval)
            assert cached_home(server.url, timeline_key) == [during, second, first]
            assert redis_keys(server.url, f"{prefix}c:{status_key(int(first))}") == [True]

            make_jobs_due(client)
            client.drain()
            assert job_rows(client) == []
            assert cached_home(server.url, timeline_key) == [during, second, first]
            check_reads(client, bob, alice, [during, second, first])


def cached_home(url: str, timeline_key: str) -> list[str]:
    """The ids stored in a timeline (packed newest first after a marker byte)."""
    with redis.Redis.from_url(url) as raw:
        value = raw.get(timeline_key)
    assert isinstance(value, bytes) and value[:1] == b"\x01"
    body = value[1:]
    return [str(int.from_bytes(body[i : i + 8], "big")) for i in range(0, len(body), 8)]


def test_network_cut_while_redis_keeps_its_data(scale_out_settings: Settings) -> None:
    shared = "redis://127.0.0.1:6379/0"
    with tcp_relay(6379) as relay:
        settings = scale_out_settings.replace(redis_url=relay.url)
        prefix = settings.redis_key_prefix
        with ApiClient.start(settings) as client:
            breaker, clock = breaker_clock(client)
            alice, bob, first, second = set_up(client)
            client.drain()
            check_reads(client, bob, alice, [second, first])
            timeline_key = f"{prefix}tl:{{{home_key(bob.id)}}}"
            stale = [f"{prefix}c:{account_key(alice.id)}", f"{prefix}c:{status_key(int(first))}"]
            assert redis_keys(shared, *stale) == [True, True]

            relay.cut()
            response = client.patch(
                "/api/v1/accounts/update_credentials", user=alice, data={"display_name": "Al"}
            )
            assert response.status_code == 200, response.text
            delete(client, alice, first)
            during = post(client, alice, "during the cut")
            client.drain()
            assert_postponed(client, 2)  # the unfan-out and the fan-out
            # Redis still holds what the cut kept it from invalidating.
            assert redis_keys(shared, *stale) == [True, True]
            assert home(client, bob) == [during, second]

            relay.restore()
            clock.advance(breaker.retry_interval)
            account = client.get(f"/api/v1/accounts/{alice.id}", user=bob)
            assert account.status_code == 200 and account.json()["display_name"] == "Al"
            assert client.get(f"/api/v1/statuses/{first}", user=bob).status_code == 404
            assert first not in home(client, bob)
            # The kept timeline gets the post made during the cut once the
            # postponed fan-out runs; the unfan-out takes the deleted one out.
            make_jobs_due(client)
            client.drain()
            assert job_rows(client) == []
            assert cached_home(shared, timeline_key) == [during, second]
            assert home(client, bob) == [during, second]


def test_redis_that_stops_answering(scale_out_settings: Settings) -> None:
    """A frozen Redis keeps its connections open and answers nothing (as a
    half-open network path does): requests wait one socket timeout, then the
    breaker opens and they are answered from the database."""
    with redis_process() as server:
        settings = scale_out_settings.replace(redis_url=server.url)
        with ApiClient.start(settings) as client:
            breaker, clock = breaker_clock(client)
            alice, bob, first, second = set_up(client)
            client.drain()
            check_reads(client, bob, alice, [second, first])
            assert server.process is not None
            server.process.send_signal(signal.SIGSTOP)
            try:
                started = time.monotonic()
                assert home(client, bob) == [second, first]
                assert time.monotonic() - started < SOCKET_TIMEOUT_SECONDS + 3
                check_reads(client, bob, alice, [second, first])
                during = post(client, alice, "while Redis is frozen")
            finally:
                server.process.send_signal(signal.SIGCONT)
            clock.advance(breaker.retry_interval)
            client.drain()
            make_jobs_due(client)
            client.drain()
            check_reads(client, bob, alice, [during, second, first])
