"""Follow requests through the API: asking, the relationship flags both ways,
answering, withdrawing, blocks, the paged list, and who may answer."""

from __future__ import annotations

import msgspec
import pytest

from roost.kernel.cachekeys import pair_key
from roost.relationships import summary
from roost.relationships.store import PairState
from tests.helpers import ApiClient
from tests.relationships.requests_support import (
    answer,
    counters,
    follow,
    locked_user,
    relationship,
    requesters,
    requests_count,
    unfollow,
)
from tests.statuses.support import jobs_of_kind


def test_following_a_locked_account_makes_a_request(client: ApiClient) -> None:
    alice = locked_user(client, "alice")
    bob = client.make_user("bob")
    # Warm both cached relationships: every change below must drop them.
    assert relationship(client, bob, alice)["requested"] is False
    assert relationship(client, alice, bob)["requested_by"] is False

    rel = follow(client, bob, alice)
    assert rel["id"] == alice.sid
    assert (rel["following"], rel["requested"], rel["requested_by"]) == (False, True, False)
    assert (rel["showing_reblogs"], rel["notifying"]) == (True, False)
    back = relationship(client, alice, bob)
    assert (back["followed_by"], back["requested_by"], back["requested"]) == (False, True, False)
    assert relationship(client, bob, alice)["requested"] is True
    # No follow: no counters, no timeline job, not among the followers.
    assert counters(client, alice) == (0, 0)
    assert counters(client, bob) == (0, 0)
    assert jobs_of_kind(client, "timeline_follow") == []
    # The outbox event notifications will hook into.
    event = {"account_id": bob.id, "target_account_id": alice.id, "event": "requested"}
    assert jobs_of_kind(client, "follow_request_changed") == [event]
    followers = client.get(f"/api/v1/accounts/{alice.id}/followers", user=alice)
    assert followers.json() == []
    assert requesters(client, alice) == [bob.sid]
    assert requests_count(client, alice) == 1
    assert requests_count(client, bob) == 0


def test_asking_again_updates_the_request_options(client: ApiClient) -> None:
    alice = locked_user(client, "alice")
    bob = client.make_user("bob")
    follow(client, bob, alice)
    rel = follow(client, bob, alice, reblogs="false", notify="true", **{"languages[]": "en"})
    assert (rel["requested"], rel["showing_reblogs"], rel["notifying"]) == (True, False, True)
    rel = follow(client, bob, alice)  # options left out keep their value
    assert (rel["requested"], rel["showing_reblogs"], rel["notifying"]) == (True, False, True)
    assert requesters(client, alice) == [bob.sid]

    # The follow made by authorizing carries the request's options.
    answer(client, alice, bob, "authorize")
    rel = relationship(client, bob, alice)
    assert (rel["following"], rel["requested"]) == (True, False)
    assert (rel["showing_reblogs"], rel["notifying"]) == (False, True)
    assert jobs_of_kind(client, "timeline_follow") == [
        {"account_id": bob.id, "target_account_id": alice.id}
    ]


def test_authorize_turns_the_request_into_a_follow(client: ApiClient) -> None:
    alice = locked_user(client, "alice")
    bob = client.make_user("bob")
    follow(client, bob, alice)
    relationship(client, alice, bob)
    rel = answer(client, alice, bob, "authorize")
    assert (rel["followed_by"], rel["requested_by"], rel["following"]) == (True, False, False)
    assert relationship(client, alice, bob)["followed_by"] is True
    assert counters(client, alice) == (1, 0)
    assert counters(client, bob) == (0, 1)
    followers = client.get(f"/api/v1/accounts/{alice.id}/followers", user=alice)
    assert [a["id"] for a in followers.json()] == [bob.sid]
    assert requesters(client, alice) == []
    assert requests_count(client, alice) == 0
    # Answered: a second answer finds nothing.
    again = client.post(f"/api/v1/follow_requests/{bob.id}/authorize", user=alice)
    assert again.status_code == 404
    assert again.json() == {"error": "Record not found"}


def test_reject_removes_the_request(client: ApiClient) -> None:
    alice = locked_user(client, "alice")
    bob = client.make_user("bob")
    follow(client, bob, alice)
    relationship(client, bob, alice)
    rel = answer(client, alice, bob, "reject")
    assert (rel["followed_by"], rel["requested_by"]) == (False, False)
    rel = relationship(client, bob, alice)
    assert (rel["following"], rel["requested"]) == (False, False)
    assert requesters(client, alice) == []
    assert counters(client, alice) == (0, 0)
    for verb in ("authorize", "reject"):
        response = client.post(f"/api/v1/follow_requests/{bob.id}/{verb}", user=alice)
        assert response.status_code == 404, verb
    # Rejected is not banned: bob may ask again.
    assert follow(client, bob, alice)["requested"] is True


def test_unfollow_withdraws_a_pending_request(client: ApiClient) -> None:
    alice = locked_user(client, "alice")
    bob = client.make_user("bob")
    follow(client, bob, alice)
    relationship(client, alice, bob)
    rel = unfollow(client, bob, alice)
    assert (rel["following"], rel["requested"]) == (False, False)
    assert relationship(client, alice, bob)["requested_by"] is False
    assert requesters(client, alice) == []
    assert requests_count(client, alice) == 0
    response = client.post(f"/api/v1/follow_requests/{bob.id}/authorize", user=alice)
    assert response.status_code == 404
    assert counters(client, alice) == (0, 0)


def test_blocking_either_way_removes_the_request(client: ApiClient) -> None:
    alice = locked_user(client, "alice")
    bob, carol = client.make_user("bob"), client.make_user("carol")
    follow(client, bob, alice)
    follow(client, carol, alice)
    relationship(client, bob, alice)
    relationship(client, alice, carol)

    # The locked account blocks a requester.
    response = client.post(f"/api/v1/accounts/{bob.id}/block", user=alice)
    assert response.status_code == 200, response.text
    assert response.json()["requested_by"] is False
    assert relationship(client, bob, alice)["requested"] is False
    # A requester blocks the locked account.
    response = client.post(f"/api/v1/accounts/{alice.id}/block", user=carol)
    assert response.status_code == 200, response.text
    assert response.json()["requested"] is False
    assert relationship(client, alice, carol)["requested_by"] is False
    assert requesters(client, alice) == []

    # Lifting the block restores nothing, and no request crosses a block.
    client.post(f"/api/v1/accounts/{bob.id}/unblock", user=alice)
    assert relationship(client, bob, alice)["requested"] is False
    response = client.post(f"/api/v1/accounts/{alice.id}/follow", user=carol)
    assert response.status_code == 403
    assert requesters(client, alice) == []


def test_follow_request_list_pages_newest_first(client: ApiClient) -> None:
    alice = locked_user(client, "alice")
    fans = [client.make_user(f"fan{i}") for i in range(3)]
    for fan in fans:
        follow(client, fan, alice)
    newest_first = [f.sid for f in reversed(fans)]
    assert requesters(client, alice) == newest_first

    page1 = client.get("/api/v1/follow_requests", params={"limit": 2}, user=alice)
    assert [a["id"] for a in page1.json()] == newest_first[:2]
    assert page1.json()[0]["username"] == "fan2"
    page2 = client.get(page1.links["next"]["url"], user=alice)
    assert page2.status_code == 200, page2.text
    assert [a["id"] for a in page2.json()] == newest_first[2:]
    back = client.get(page2.links["prev"]["url"], user=alice)
    assert [a["id"] for a in back.json()] == newest_first[:2]


def test_others_cannot_see_or_answer_someone_elses_requests(client: ApiClient) -> None:
    alice = locked_user(client, "alice")
    bob, mallory = client.make_user("bob"), client.make_user("mallory")
    follow(client, bob, alice)
    # Each caller sees only the requests made to them.
    assert requesters(client, mallory) == []
    assert requesters(client, bob) == []
    anonymous = client.get("/api/v1/follow_requests")
    assert anonymous.status_code == 401
    for verb in ("authorize", "reject"):
        response = client.post(f"/api/v1/follow_requests/{bob.id}/{verb}", user=mallory)
        assert response.status_code == 404, verb
        assert response.json() == {"error": "Record not found"}
        # The requester cannot answer their own request either.
        response = client.post(f"/api/v1/follow_requests/{alice.id}/{verb}", user=bob)
        assert response.status_code == 404, verb
    rel = relationship(client, bob, alice)
    assert (rel["following"], rel["requested"]) == (False, True)
    assert requesters(client, alice) == [bob.sid]


def test_answering_unknown_accounts_is_404(client: ApiClient) -> None:
    alice = locked_user(client, "alice")
    for path in (
        "/api/v1/follow_requests/999999/authorize",
        "/api/v1/follow_requests/999999/reject",
        f"/api/v1/follow_requests/{alice.id}/authorize",
        "/api/v1/follow_requests/abc/reject",
    ):
        response = client.post(path, user=alice)
        assert response.status_code == 404, path
    assert client.post(f"/api/v1/accounts/{alice.id}/follow", user=alice).status_code == 403


def test_follow_request_endpoints_are_declared(client: ApiClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    listing = paths["/api/v1/follow_requests"]["get"]
    assert listing["security"] == [{"OAuth2": ["read:follows"]}]
    assert {p["name"] for p in listing["parameters"]} >= {"limit", "max_id", "min_id"}
    for verb in ("authorize", "reject"):
        answer_op = paths[f"/api/v1/follow_requests/{{account_id}}/{verb}"]["post"]
        assert answer_op["security"] == [{"OAuth2": ["write:follows"]}]
        assert [p["name"] for p in answer_op["parameters"]] == ["account_id"]
        schema = answer_op["responses"]["200"]["content"]["application/json"]["schema"]
        assert schema == {"$ref": "#/components/schemas/Relationship"}


def test_stale_relationship_written_back_is_dropped_by_the_request_event(
    client: ApiClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A reader racing the request can cache the old "not requested" after
    the service dropped the key; the request's event job drops it again.
    (The per-pair entries: a viewer whose relation summary overflowed.)"""
    monkeypatch.setattr(summary, "SUMMARY_LIMIT", 0)
    alice = locked_user(client, "alice")
    bob = client.make_user("bob")
    follow(client, bob, alice)
    stale = msgspec.msgpack.encode(PairState())

    async def write_back() -> None:
        await client.services.cache.set_many({pair_key(bob.id, alice.id): stale}, ttl=3600)

    client.call(write_back)
    assert relationship(client, bob, alice)["requested"] is False  # what the race would show
    client.drain()
    assert relationship(client, bob, alice)["requested"] is True
