"""Polls: posting one (JSON or form fields), voting once with exact counts,
multiple-choice rules, hidden totals, and the end handled by a due job."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from typing import Any

import pytest

from roost.statuses.pollvotes import vote
from tests.helpers import ApiClient, ManualClock, User
from tests.statuses.support import post


def poll_post(client: ApiClient, user: User, options: list[str], **poll: Any) -> dict[str, Any]:
    return post(client, user, "which one?", poll={"options": options, "expires_in": 3600, **poll})


@pytest.fixture
def clock(client: ApiClient) -> ManualClock:
    """The services' clock and the job runner's, moved by hand together."""
    manual = ManualClock(time.time())
    client.services.clock = manual
    client.services.jobs.clock = lambda: datetime.fromtimestamp(manual(), UTC)
    return manual


def test_post_a_poll_and_vote_once(client: ApiClient, clock: ManualClock) -> None:
    alice = client.make_user("alice")
    bob = client.make_user("bob")
    status = poll_post(client, alice, ["tea", "coffee"])
    poll = status["poll"]
    assert poll["id"] == status["id"]
    assert poll["multiple"] is False and poll["expired"] is False
    assert [o["title"] for o in poll["options"]] == ["tea", "coffee"]
    assert poll["votes_count"] == 0 and poll["voters_count"] == 0
    assert poll["voted"] is False and poll["own_votes"] == []

    voted = client.post(f"/api/v1/polls/{poll['id']}/votes", user=bob, json={"choices": [1]})
    assert voted.status_code == 200, voted.text
    body = voted.json()
    assert body["voted"] is True and body["own_votes"] == [1]
    assert [o["votes_count"] for o in body["options"]] == [0, 1]
    assert body["voters_count"] == 1

    again = client.post(f"/api/v1/polls/{poll['id']}/votes", user=bob, json={"choices": [0]})
    assert again.status_code == 422
    shown = client.get(f"/api/v1/statuses/{status['id']}", user=bob).json()["poll"]
    assert shown["own_votes"] == [1] and shown["votes_count"] == 1
    assert "voted" not in client.get(f"/api/v1/polls/{poll['id']}").json()
    assert client.get(f"/api/v1/polls/{poll['id']}", user=alice).json()["voted"] is False


def test_form_fields_multiple_choice_and_bad_choices(client: ApiClient) -> None:
    alice = client.make_user("alice")
    bob = client.make_user("bob")
    response = client.post(
        "/api/v1/statuses",
        user=alice,
        data={
            "status": "pick any",
            "poll[options][]": ["a", "b", "c"],
            "poll[expires_in]": "600",
            "poll[multiple]": "true",
        },
    )
    assert response.status_code == 200, response.text
    poll_id = response.json()["poll"]["id"]
    assert response.json()["poll"]["multiple"] is True
    for bad in ([], [3], ["x"], [-1]):
        refused = client.post(f"/api/v1/polls/{poll_id}/votes", user=bob, json={"choices": bad})
        assert refused.status_code == 422, bad
    ok = client.post(
        f"/api/v1/polls/{poll_id}/votes", user=bob, data={"choices[]": ["0", "2", "2"]}
    )
    assert ok.status_code == 200, ok.text
    assert ok.json()["own_votes"] == [0, 2]
    assert ok.json()["votes_count"] == 2 and ok.json()["voters_count"] == 1

    single = poll_post(client, alice, ["x", "y"])["poll"]["id"]
    two = client.post(f"/api/v1/polls/{single}/votes", user=bob, json={"choices": [0, 1]})
    assert two.status_code == 422
    assert (
        client.post("/api/v1/polls/12345/votes", user=bob, json={"choices": [0]}).status_code == 404
    )
    assert client.get("/api/v1/polls/12345").status_code == 404


@pytest.mark.parametrize(
    "poll",
    [
        {"options": ["only"], "expires_in": 600},
        {"options": ["a", "b", "c", "d", "e"], "expires_in": 600},
        {"options": ["a", "a"], "expires_in": 600},
        {"options": ["a", " "], "expires_in": 600},
        {"options": ["a", "b" * 51], "expires_in": 600},
        {"options": ["a", "b"], "expires_in": 299},
        {"options": ["a", "b"], "expires_in": 2_629_747},
        {"options": ["a", "b"]},
        {"options": ["a", "b"], "expires_in": "soon"},
        {"options": "a,b", "expires_in": 600},
        {"options": ["a", "b"], "expires_in": 600, "multiple": "maybe"},
    ],
)
def test_bad_polls_are_refused(client: ApiClient, poll: dict[str, Any]) -> None:
    alice = client.make_user("alice")
    response = client.post("/api/v1/statuses", user=alice, json={"status": "q", "poll": poll})
    assert response.status_code == 422, response.text
    assert client.get(f"/api/v1/accounts/{alice.id}/statuses").json() == []


def test_poll_with_media_is_refused(client: ApiClient) -> None:
    alice = client.make_user("alice")
    response = client.post(
        "/api/v1/statuses",
        user=alice,
        json={
            "status": "q",
            "media_ids": ["1"],
            "poll": {"options": ["a", "b"], "expires_in": 600},
        },
    )
    assert response.status_code == 422
    assert "media and a poll" in response.json()["error"]


def test_hidden_totals_until_the_end_then_notified(client: ApiClient, clock: ManualClock) -> None:
    alice = client.make_user("alice")
    voters = [client.make_user(f"v{i}") for i in range(3)]
    poll_id = poll_post(client, alice, ["yes", "no"], hide_totals=True)["poll"]["id"]
    for i, voter in enumerate(voters):
        body = client.post(
            f"/api/v1/polls/{poll_id}/votes", user=voter, json={"choices": [i % 2]}
        ).json()
        assert [o["votes_count"] for o in body["options"]] == [None, None]
    client.drain()  # the end's job is not due yet
    assert client.get("/api/v1/notifications", user=voters[0]).json() == []
    assert client.get(f"/api/v1/polls/{poll_id}").json()["expired"] is False

    clock.advance(3601)
    ended = client.get(f"/api/v1/polls/{poll_id}").json()
    assert ended["expired"] is True
    assert [o["votes_count"] for o in ended["options"]] == [2, 1]
    late = client.post(f"/api/v1/polls/{poll_id}/votes", user=alice, json={"choices": [0]})
    assert late.status_code == 422
    client.drain()
    for user in (*voters, alice):
        notes = client.get("/api/v1/notifications", user=user).json()
        assert [(n["type"], n["status"]["id"]) for n in notes] == [("poll", poll_id)]
    assert client.get("/api/v1/notifications", user=alice).json()[0]["account"]["id"] == alice.sid


def test_concurrent_votes_count_exactly(client: ApiClient) -> None:
    alice = client.make_user("alice")
    voters = [client.make_user(f"v{i}") for i in range(12)]
    poll_id = int(poll_post(client, alice, ["a", "b"], multiple=True)["poll"]["id"])

    async def everyone() -> list[Any]:
        # Each voter twice at once: exactly one of the pair counts.
        tries = [
            vote(client.services, poll_id=poll_id, account_id=v.id, choices=[0, 1])
            for v in voters
            for _ in range(2)
        ]
        return await asyncio.gather(*tries, return_exceptions=True)

    results = client.call(everyone)
    assert sum(1 for r in results if not isinstance(r, Exception)) == len(voters)
    shown = client.get(f"/api/v1/polls/{poll_id}").json()
    assert [o["votes_count"] for o in shown["options"]] == [12, 12]
    assert shown["voters_count"] == 12 and shown["votes_count"] == 24


def test_deleting_the_status_removes_the_poll(client: ApiClient) -> None:
    alice = client.make_user("alice")
    bob = client.make_user("bob")
    poll_id = poll_post(client, alice, ["a", "b"])["poll"]["id"]
    client.post(f"/api/v1/polls/{poll_id}/votes", user=bob, json={"choices": [0]})
    assert client.delete(f"/api/v1/statuses/{poll_id}", user=alice).status_code == 200
    assert client.get(f"/api/v1/polls/{poll_id}").status_code == 404
    client.drain()  # the end's job finds nothing


def test_editing_the_poll(client: ApiClient, clock: ManualClock) -> None:
    alice = client.make_user("alice")
    bob = client.make_user("bob")
    sid = poll_post(client, alice, ["tea", "coffee"])["id"]
    client.post(f"/api/v1/polls/{sid}/votes", user=bob, json={"choices": [0]})
    same = {"options": ["tea", "coffee"], "expires_in": 3600}
    kept = client.put(f"/api/v1/statuses/{sid}", user=alice, json={"status": "q", "poll": same})
    assert kept.status_code == 200, kept.text
    assert kept.json()["poll"]["votes_count"] == 1
    assert client.get(f"/api/v1/polls/{sid}", user=bob).json()["own_votes"] == [0]

    other = {"options": ["tea", "water"], "expires_in": 7200}
    changed = client.put(f"/api/v1/statuses/{sid}", user=alice, json={"status": "q", "poll": other})
    assert [o["title"] for o in changed.json()["poll"]["options"]] == ["tea", "water"]
    assert changed.json()["poll"]["votes_count"] == 0
    again = client.get(f"/api/v1/polls/{sid}", user=bob).json()
    assert again["voted"] is False and again["own_votes"] == []
    clock.advance(3601)  # the first poll's end: nothing
    client.drain()
    assert client.get("/api/v1/notifications", user=alice).json() == []
    client.post(f"/api/v1/polls/{sid}/votes", user=bob, json={"choices": [1]})
    clock.advance(3600)
    client.drain()
    notes = client.get("/api/v1/notifications", user=bob).json()
    assert [n["type"] for n in notes] == ["poll"]

    removed = client.put(f"/api/v1/statuses/{sid}", user=alice, json={"status": "no poll"})
    assert removed.json()["poll"] is None
    assert client.get(f"/api/v1/polls/{sid}").status_code == 404
