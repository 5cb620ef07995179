"""Who may see a status, on every endpoint that shows or touches one."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers import ApiClient, User
from tests.statuses.support import block, follow, post

READS = ("", "/context", "/favourited_by", "/reblogged_by")


def assert_visible(client: ApiClient, status: dict[str, Any], viewer: User | None) -> None:
    for suffix in READS:
        response = client.get(f"/api/v1/statuses/{status['id']}{suffix}", user=viewer)
        assert response.status_code == 200, (suffix, response.text)


def assert_hidden(client: ApiClient, status: dict[str, Any], viewer: User | None) -> None:
    for suffix in READS:
        response = client.get(f"/api/v1/statuses/{status['id']}{suffix}", user=viewer)
        assert response.status_code == 404, (suffix, response.text)
        assert response.json() == {"error": "Record not found"}
    if viewer is not None:
        for action in ("favourite", "bookmark", "reblog"):
            response = client.post(f"/api/v1/statuses/{status['id']}/{action}", user=viewer)
            assert response.status_code == 404, (action, response.text)
    batch = client.get("/api/v1/statuses", params={"id[]": [status["id"]]}, user=viewer)
    assert batch.status_code == 200 and batch.json() == []


@pytest.mark.parametrize("visibility", ["public", "unlisted"])
def test_public_and_unlisted_for_everyone(client: ApiClient, visibility: str) -> None:
    alice = client.make_user("alice")
    bob = client.make_user("bob")
    status = post(client, alice, "open", visibility=visibility)
    assert_visible(client, status, None)
    assert_visible(client, status, bob)
    assert client.get(f"/api/v1/statuses/{status['id']}").json()["visibility"] == visibility


def test_private_for_author_followers_and_mentioned(client: ApiClient) -> None:
    alice = client.make_user("alice")
    fan = client.make_user("fan")
    named = client.make_user("named")
    stranger = client.make_user("stranger")
    follow(client, fan, alice)
    status = post(client, alice, "friends only @named", visibility="private")
    assert_visible(client, status, alice)
    assert_visible(client, status, fan)
    assert_visible(client, status, named)
    assert_hidden(client, status, stranger)
    assert_hidden(client, status, None)


def test_direct_for_author_and_mentioned_only(client: ApiClient) -> None:
    alice = client.make_user("alice")
    fan = client.make_user("fan")
    named = client.make_user("named")
    follow(client, fan, alice)
    status = post(client, alice, "psst @named", visibility="direct")
    assert_visible(client, status, alice)
    assert_visible(client, status, named)
    assert_hidden(client, status, fan)
    assert_hidden(client, status, None)


def test_blocks_hide_both_ways(client: ApiClient) -> None:
    alice = client.make_user("alice")
    bob = client.make_user("bob")
    carol = client.make_user("carol")
    by_alice = post(client, alice, "hello world")
    by_carol = post(client, carol, "hi there")
    block(client, alice, bob)  # alice blocks bob: bob may not see alice
    block(client, bob, carol)  # bob blocks carol: bob does not see carol
    assert_hidden(client, by_alice, bob)
    assert_hidden(client, by_carol, bob)
    assert_visible(client, by_alice, carol)
    assert_visible(client, by_alice, None)


def test_reply_to_invisible_status_is_404(client: ApiClient) -> None:
    alice = client.make_user("alice")
    bob = client.make_user("bob")
    secret = post(client, alice, "mine", visibility="private")
    response = client.post(
        "/api/v1/statuses", user=bob, json={"status": "hey", "in_reply_to_id": secret["id"]}
    )
    assert response.status_code == 404


def test_context_drops_what_viewer_cannot_see(client: ApiClient) -> None:
    alice = client.make_user("alice")
    bob = client.make_user("bob")
    carol = client.make_user("carol")
    root = post(client, alice, "root")
    open_reply = post(client, bob, "public reply", in_reply_to_id=root["id"])
    hidden_reply = post(
        client, bob, "followers reply", in_reply_to_id=root["id"], visibility="private"
    )
    deeper = post(client, carol, "deeper", in_reply_to_id=open_reply["id"])
    as_anon = client.get(f"/api/v1/statuses/{root['id']}/context").json()
    assert as_anon["ancestors"] == []
    assert [s["id"] for s in as_anon["descendants"]] == [open_reply["id"], deeper["id"]]
    as_bob = client.get(f"/api/v1/statuses/{root['id']}/context", user=bob).json()
    assert [s["id"] for s in as_bob["descendants"]] == [
        open_reply["id"],
        deeper["id"],
        hidden_reply["id"],
    ]
    from_leaf = client.get(f"/api/v1/statuses/{deeper['id']}/context").json()
    assert [s["id"] for s in from_leaf["ancestors"]] == [root["id"], open_reply["id"]]
    assert from_leaf["descendants"] == []


def test_reblog_of_private_is_refused(client: ApiClient) -> None:
    alice = client.make_user("alice")
    fan = client.make_user("fan")
    follow(client, fan, alice)
    private = post(client, alice, "just us", visibility="private")
    refused = client.post(f"/api/v1/statuses/{private['id']}/reblog", user=fan)
    assert refused.status_code == 403
    assert refused.json() == {"error": "This action is not allowed"}
    direct = post(client, alice, "@fan psst", visibility="direct")
    assert client.post(f"/api/v1/statuses/{direct['id']}/reblog", user=fan).status_code == 403
    assert client.post(f"/api/v1/statuses/{direct['id']}/reblog", user=alice).status_code == 403
    # The author may reblog their own private status; it stays private.
    own = client.post(f"/api/v1/statuses/{private['id']}/reblog", user=alice)
    assert own.status_code == 200, own.text
    assert own.json()["visibility"] == "private"
