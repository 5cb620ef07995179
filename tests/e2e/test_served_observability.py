"""``roost serve --workers 2`` as a real process: every app process logs in
the configured shape and level (here JSON lines at info), each request's
lines carry its id, and /metrics adds up the requests of both processes."""

from __future__ import annotations

import json
from pathlib import Path

import httpx2 as httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import REDIS_URL
from tests.served import served_roost

pytestmark = pytest.mark.e2e

TOKEN = "scrape-token-for-the-test"


def test_two_app_processes_log_alike_and_report_metrics_together(
    tmp_path: Path, redis_key_prefix: str
) -> None:
    env = {
        "ROOST_REDIS_URL": REDIS_URL,
        "ROOST_REDIS_KEY_PREFIX": f"{redis_key_prefix}served:",
        "ROOST_LOG_FORMAT": "json",
        "ROOST_LOG_LEVEL": "info",
        "ROOST_METRICS_TOKEN": TOKEN,
        "ROOST_RATE_LIMITS": "false",
    }
    with served_roost(tmp_path, env=env, args=["--workers", "2"]) as (port, log_path):
        base = f"http://127.0.0.1:{port}"
        requests = 40
        # New connections: the kernel spreads them over both processes.
        for n in range(requests):
            answer = httpx.get(f"{base}/api/v1/instance", headers={"X-Request-Id": f"probe-{n}"})
            assert answer.status_code == 200
            assert answer.headers["x-request-id"] == f"probe-{n}"
        generated = httpx.get(f"{base}/api/v1/instance", headers={"X-Request-Id": "bad id!"})
        assert generated.headers["x-request-id"] != "bad id!"
        assert len(generated.headers["x-request-id"]) == 16
        scraped = httpx.get(f"{base}/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
        assert scraped.status_code == 200, scraped.text
    counted = sum(
        sample.value
        for family in text_string_to_metric_families(scraped.text)
        for sample in family.samples
        if sample.name == "roost_http_requests_total"
        and sample.labels["route"] == "/api/v1/instance"
    )
    # Every request of the loop (the served_roost probes too), whichever
    # process answered it.
    assert counted >= requests + 1

    lines = [line for line in log_path.read_text().splitlines() if line.startswith("{")]
    entries = [json.loads(line) for line in lines]
    minted = [e for e in entries if e["message"].startswith("minting ids as worker")]
    assert len(minted) == 2, log_path.read_text()  # one per app process, at info
    for entry in minted:
        assert entry["level"] == "INFO" and entry["logger"] == "roost.ids"
        assert entry["time"].endswith("Z")
