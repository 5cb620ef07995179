"""End to end: `roost serve` as a real process, driven by the Mastodon.py library."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
from mastodon import Mastodon

from tests.served import served_roost

pytestmark = pytest.mark.e2e

SCOPES = ["read", "write", "follow", "push"]


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    # No ROOST_PUBLIC_URL: the server must derive it from the port it serves.
    with served_roost(tmp_path) as (port, log):
        assert f"Roost on http://localhost:{port}" in log.read_text()
        yield f"http://localhost:{port}"


def _eventually(check: Callable[[], Any], timeout: float = 5.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.05)


def _sign_up(base: str, username: str) -> Mastodon:
    client_id, client_secret = Mastodon.create_app(
        "roost-e2e", api_base_url=base, scopes=SCOPES, to_file=None
    )
    app = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=base)
    app.create_account(
        username,
        "a long enough password",
        f"{username}@example.com",
        agreement=True,
        scopes=SCOPES,
        to_file=None,
    )
    # Log in again with the password grant, as a returning user would.
    user = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=base)
    user.log_in(f"{username}@example.com", "a long enough password", scopes=SCOPES, allow_http=True)
    return user


def test_core_flow_with_mastodon_py(server: str) -> None:
    alice = _sign_up(server, "alice")
    bob = _sign_up(server, "bob")
    me = alice.account_verify_credentials()
    assert me["username"] == "alice"

    bob_id = bob.account_verify_credentials()["id"]
    relationship = alice.account_follow(bob_id)
    assert relationship["following"] is True

    posted = bob.status_post("Hello from #roost, @alice!", visibility="public")
    assert "roost" in [tag["name"] for tag in posted["tags"]]
    assert posted["mentions"][0]["username"] == "alice"

    assert _eventually(lambda: posted["id"] in [s["id"] for s in alice.timeline_home()])

    liked = alice.status_favourite(posted["id"])
    assert liked["favourited"] is True and liked["favourites_count"] == 1
    unliked = alice.status_unfavourite(posted["id"])
    assert unliked["favourited"] is False and unliked["favourites_count"] == 0

    own = alice.status_post("my own post")
    assert _eventually(lambda: own["id"] in [s["id"] for s in alice.timeline_home()])
    alice.status_delete(own["id"])
    assert own["id"] not in [s["id"] for s in alice.timeline_home()]

    bob.status_delete(posted["id"])
    assert _eventually(lambda: posted["id"] not in [s["id"] for s in alice.timeline_home()])


def test_a_server_on_another_port_names_itself_and_serves_default_images(server: str) -> None:
    """Without ROOST_PUBLIC_URL, every URL given to clients is the served port's."""
    port = server.rsplit(":", 1)[1]
    metadata = httpx.get(f"{server}/.well-known/oauth-authorization-server").json()
    assert metadata["token_endpoint"] == f"http://localhost:{port}/oauth/token"
    instance = httpx.get(f"{server}/api/v2/instance").json()
    assert instance["domain"] == f"localhost:{port}"
    thumbnail = httpx.get(instance["thumbnail"]["url"])
    assert thumbnail.status_code == 200
    assert thumbnail.headers["content-type"] == "image/png"
    assert thumbnail.content.startswith(b"\x89PNG")
    api = _sign_up(server, "nadia")
    avatar = httpx.get(api.me()["avatar"])
    assert avatar.status_code == 200 and avatar.content.startswith(b"\x89PNG")
    assert "max-age" in avatar.headers["cache-control"]
