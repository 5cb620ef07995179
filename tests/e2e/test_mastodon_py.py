"""End to end: `roost serve` as a real process, driven by the Mastodon.py library."""

from __future__ import annotations

import httpx2 as httpx
import pytest

from tests.e2e.clients import eventually, sign_up

pytestmark = pytest.mark.e2e


def test_core_flow_with_mastodon_py(server: str) -> None:
    alice = sign_up(server, "alice")
    bob = sign_up(server, "bob")
    me = alice.account_verify_credentials()
    assert me["username"] == "alice"

    bob_id = bob.account_verify_credentials()["id"]
    relationship = alice.account_follow(bob_id)
    assert relationship["following"] is True

    posted = bob.status_post("Hello from #roost, @alice!", visibility="public")
    assert "roost" in [tag["name"] for tag in posted["tags"]]
    assert posted["mentions"][0]["username"] == "alice"

    assert eventually(lambda: posted["id"] in [s["id"] for s in alice.timeline_home()])

    liked = alice.status_favourite(posted["id"])
    assert liked["favourited"] is True and liked["favourites_count"] == 1
    unliked = alice.status_unfavourite(posted["id"])
    assert unliked["favourited"] is False and unliked["favourites_count"] == 0

    own = alice.status_post("my own post")
    assert eventually(lambda: own["id"] in [s["id"] for s in alice.timeline_home()])
    alice.status_delete(own["id"])
    assert own["id"] not in [s["id"] for s in alice.timeline_home()]

    bob.status_delete(posted["id"])
    assert eventually(lambda: posted["id"] not in [s["id"] for s in alice.timeline_home()])


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
    api = sign_up(server, "nadia")
    avatar = httpx.get(api.me()["avatar"])
    assert avatar.status_code == 200 and avatar.content.startswith(b"\x89PNG")
    assert "max-age" in avatar.headers["cache-control"]
