"""The caller's address (roost.api.client_address): X-Forwarded-For is
believed only from trusted proxies, read from the right."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx2 as httpx
import pytest
from starlette.requests import Request
from starlette.responses import Response
from starlette.testclient import TestClient

from roost.api.client_address import resolve_client_address, trusted_networks
from roost.app import create_app
from roost.config import Settings
from tests.abuse.support import FakeClock, clock, start_proxied
from tests.helpers import ApiClient
from tests.served import served_roost

__all__ = ["clock"]  # fixture used below

PROXIES = trusted_networks(("10.0.0.0/8", "2001:db8:1::/48", "127.0.0.1"))


def resolve(peer: str | None, *forwarded: str) -> str:
    return resolve_client_address(peer, forwarded, PROXIES)


def test_without_trusted_proxies_the_peer_is_the_client() -> None:
    assert resolve_client_address("127.0.0.1", ["203.0.113.9"], ()) == "127.0.0.1"
    assert resolve_client_address("192.0.2.1", [], ()) == "192.0.2.1"


def test_forwarded_for_from_an_untrusted_peer_is_ignored() -> None:
    assert resolve("192.0.2.1", "203.0.113.9") == "192.0.2.1"


def test_the_rightmost_untrusted_hop_is_the_client() -> None:
    assert resolve("10.0.0.1", "203.0.113.9") == "203.0.113.9"
    # The client wrote the leftmost entry itself: it is not believed.
    assert resolve("10.0.0.1", "6.6.6.6, 203.0.113.9") == "203.0.113.9"
    # Trusted hops (proxies in front of proxies) are skipped.
    assert resolve("10.0.0.1", "6.6.6.6, 203.0.113.9, 10.1.2.3") == "203.0.113.9"
    # Several header lines count as one list, in order.
    assert resolve("10.0.0.1", "6.6.6.6", "203.0.113.9, 10.1.2.3") == "203.0.113.9"


def test_odd_entries() -> None:
    # Every hop trusted: the leftmost one.
    assert resolve("10.0.0.1", "10.2.2.2, 10.3.3.3") == "10.2.2.2"
    # No header: the proxy itself.
    assert resolve("10.0.0.1") == "10.0.0.1"
    # Garbage stops the walk at the last address a trusted proxy vouched for.
    assert resolve("10.0.0.1", "203.0.113.9, not-an-address, 10.1.2.3") == "10.1.2.3"
    assert resolve("10.0.0.1", "unknown") == "10.0.0.1"
    # Ports and IPv6 forms.
    assert resolve("10.0.0.1", "203.0.113.9:4711") == "203.0.113.9"
    assert resolve("2001:db8:1::5", "[2001:db8:2::7]:443") == "2001:db8:2::7"
    assert resolve("::ffff:10.0.0.1", "203.0.113.9") == "203.0.113.9"
    assert resolve(None, "203.0.113.9") == "unknown"


def test_a_caller_cannot_pick_its_address_without_a_trusted_proxy(
    settings: Settings, clock: FakeClock
) -> None:
    """The anonymous budget of one peer holds whatever X-Forwarded-For says."""
    limited = settings.replace(rate_limits=True, rate_limit_anonymous_per_5min=3)
    with ApiClient.start(limited, peer=("127.0.0.1", 40000)) as client:
        client.services.clock = clock
        codes = [
            client.get("/api/v1/instance", headers={"X-Forwarded-For": f"192.0.2.{n}"}).status_code
            for n in range(4)
        ]
    assert codes == [200, 200, 200, 429]


def test_a_trusted_proxy_gives_each_client_its_budget(settings: Settings, clock: FakeClock) -> None:
    limited = settings.replace(
        rate_limits=True, rate_limit_anonymous_per_5min=1, trusted_proxies=("10.9.9.9",)
    )
    with start_proxied(limited, clock) as client:
        codes = [
            client.get("/api/v1/instance", headers={"X-Forwarded-For": f"6.6.6.6, {a}"}).status_code
            for a in ("192.0.2.1", "192.0.2.2", "192.0.2.1")
        ]
    assert codes == [200, 200, 429]


def test_the_error_log_names_the_client(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    settings = Settings(data_dir=tmp_path, worker_id=1, trusted_proxies=("10.9.9.9",))
    app = create_app(settings)

    async def boom(request: Request) -> Response:
        raise RuntimeError("boom")

    app.add_route("/boom", boom)
    with TestClient(app, client=("10.9.9.9", 1), raise_server_exceptions=False) as http:
        response = http.get("/boom", headers={"X-Forwarded-For": "6.6.6.6, 203.0.113.9"})
    assert response.status_code == 500
    assert "unhandled error on GET /boom from 203.0.113.9" in caplog.text


@pytest.fixture
def real_server(tmp_path: Path) -> Iterator[str]:
    """``roost serve`` on loopback (uvicorn's own proxy-header handling
    trusts loopback callers unless Roost turns it off)."""
    env = {"ROOST_LOGIN_ATTEMPTS_PER_5MIN": "3", "ROOST_RATE_LIMITS": "true"}
    with served_roost(tmp_path, env=env) as (port, _log):
        yield f"http://127.0.0.1:{port}"


def test_a_loopback_caller_cannot_dodge_the_login_limit_with_forwarded_for(
    real_server: str,
) -> None:
    app = httpx.post(
        f"{real_server}/api/v1/apps",
        data={"client_name": "guesser", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob"},
    ).json()
    codes = []
    for n in range(4):
        response = httpx.post(
            f"{real_server}/oauth/token",
            data={
                "client_id": app["client_id"],
                "client_secret": app["client_secret"],
                "grant_type": "password",
                "username": f"nobody{n}",
                "password": "guess",
            },
            headers={"X-Forwarded-For": f"192.0.2.{n}"},
        )
        codes.append(response.status_code)
    # Every attempt counts against 127.0.0.1, whatever the header claims.
    assert codes == [400, 400, 400, 429]
