"""GET /metrics: the Prometheus text format behind a bearer token, with
request counts and latencies per route template, the outbox measured at
scrape time, fan-out deliveries, cache lookups, job failures and the
database pool. Values are process-wide (tests share them): each check is
a difference between two scrapes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from prometheus_client.parser import text_string_to_metric_families

from roost.config import Settings
from roost.infra.metrics import STREAMING_CONNECTIONS
from roost.jobs.runner import Job
from tests.helpers import ApiClient

TOKEN = "a-long-random-scrape-token"
Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


@pytest.fixture
def metered(settings: Settings) -> Iterator[ApiClient]:
    with ApiClient.start(settings.replace(metrics_token=TOKEN)) as api:
        yield api


def scrape(client: ApiClient) -> Samples:
    response = client.http.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=")
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(response.text)
        for s in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_metrics_need_the_token_and_are_off_without_one(
    metered: ApiClient, settings: Settings
) -> None:
    assert metered.http.get("/metrics").status_code == 401
    wrong = metered.http.get("/metrics", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    with ApiClient.start(settings) as plain:
        off = plain.http.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
        assert off.status_code == 404


def test_requests_are_counted_per_route_template_and_status(metered: ApiClient) -> None:
    alice = metered.make_user("alice")
    before = scrape(metered)
    for _ in range(3):
        assert metered.get("/api/v1/timelines/home", user=alice).status_code == 200
    assert metered.get("/api/v1/statuses/12345", user=alice).status_code == 404
    assert metered.get("/no/such/path").status_code == 404
    preflight = metered.http.options(
        "/api/v1/timelines/home",
        headers={"Origin": "https://app.example", "Access-Control-Request-Method": "GET"},
    )
    assert preflight.status_code == 204
    after = scrape(metered)

    def grew(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    home = {"method": "GET", "route": "/api/v1/timelines/home", "status": "200"}
    assert grew("roost_http_requests_total", **home) == 3
    assert grew("roost_http_request_duration_seconds_count", **home) == 3
    assert grew("roost_http_request_duration_seconds_bucket", **home, le="+Inf") == 3
    assert grew("roost_http_request_duration_seconds_sum", **home) > 0
    by_id = {"method": "GET", "route": "/api/v1/statuses/{id:int}", "status": "404"}
    assert grew("roost_http_requests_total", **by_id) == 1
    assert grew("roost_http_requests_total", method="GET", route="unmatched", status="404") == 1
    options = {"method": "OPTIONS", "route": "preflight", "status": "204"}
    assert grew("roost_http_requests_total", **options) == 1
    # The scrapes themselves are not requests of the API.
    assert not any(labels and ("route", "/metrics") in labels for _, labels in after)


def test_outbox_fanout_cache_jobs_and_pool(metered: ApiClient) -> None:
    alice, bob, carol = (metered.make_user(n) for n in ("alice", "bob", "carol"))
    for follower in (bob, carol):
        metered.post(f"/api/v1/accounts/{alice.sid}/follow", user=follower)
    metered.drain()
    before = scrape(metered)
    metered.post("/api/v1/statuses", user=alice, data={"status": "hello"})
    waiting = scrape(metered)
    assert value(waiting, "roost_outbox_jobs", kind="fanout_status", state="due") == 1
    assert value(waiting, "roost_outbox_oldest_due_job_age_seconds") >= 0
    metered.drain()
    metered.get("/api/v1/timelines/home", user=bob)
    after = scrape(metered)
    assert value(after, "roost_outbox_jobs", kind="fanout_status", state="due") == 0
    assert value(after, "roost_outbox_oldest_due_job_age_seconds") == 0
    grown = {
        name: value(after, name, **labels) - value(before, name, **labels)
        for name, labels in (
            ("roost_fanout_deliveries_total", {}),
            ("roost_jobs_completed_total", {"kind": "fanout_status"}),
            ("roost_cache_lookups_total", {"result": "hit"}),
        )
    }
    assert grown["roost_fanout_deliveries_total"] == 3  # the author and two followers
    assert grown["roost_jobs_completed_total"] == 1
    assert grown["roost_cache_lookups_total"] > 0
    assert ("roost_db_pool_connections_in_use", (("database", "primary"),)) in after
    assert ("roost_redis_breaker_open", ()) in after
    assert ("roost_streaming_connections", ()) in after
    # Streams opened by other tests of this process may still be counted:
    # one more stream shows as one more.
    open_streams = value(scrape(metered), "roost_streaming_connections")
    STREAMING_CONNECTIONS.inc()
    assert value(scrape(metered), "roost_streaming_connections") == open_streams + 1
    STREAMING_CONNECTIONS.dec()

    async def fail(job: Job) -> None:
        raise RuntimeError("boom")

    services = metered.services
    services.jobs.register("test_fail", fail)

    async def enqueue_one() -> None:
        from roost.jobs.queue import enqueue

        async with services.db.write() as conn:
            await enqueue(conn, services.ids, "test_fail", {})

    metered.call(enqueue_one)
    metered.drain()
    failed = scrape(metered)
    assert (
        value(failed, "roost_job_failures_total", kind="test_fail", outcome="retry")
        - value(after, "roost_job_failures_total", kind="test_fail", outcome="retry")
        == 1
    )
    assert value(failed, "roost_outbox_jobs", kind="test_fail", state="pending") == 1
