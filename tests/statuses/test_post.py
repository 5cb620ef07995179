"""POST /api/v1/statuses: content, entities, validation, idempotency."""

from __future__ import annotations

from roost.db import schema
from tests.helpers import ApiClient
from tests.statuses.support import (
    account_row,
    count_rows,
    jobs_of_kind,
    post,
    status_row_count,
)


def test_post_renders_html_tags_and_mentions(client: ApiClient) -> None:
    alice = client.make_user("alice")
    bob = client.make_user("bob")
    body = post(client, alice, "Hi @bob, see https://example.com #Roost #roost @nobody")
    assert body["content"].startswith('<p>Hi <span class="h-card"')
    assert 'href="http://testserver/@bob"' in body["content"]
    assert "@nobody" in body["content"]
    assert body["mentions"] == [
        {"id": bob.sid, "username": "bob", "url": "http://testserver/@bob", "acct": "bob"}
    ]
    assert body["tags"] == [{"name": "roost", "url": "http://testserver/tags/roost"}]
    assert body["account"]["id"] == alice.sid
    assert body["visibility"] == "public"
    assert body["id"].isdigit()
    assert body["url"] == f"http://testserver/@alice/{body['id']}"
    assert body["uri"] == f"http://testserver/users/alice/statuses/{body['id']}"
    assert body["created_at"].endswith("Z")
    assert body["reblog"] is None and body["poll"] is None and body["card"] is None
    assert body["favourited"] is False and body["reblogged"] is False
    assert body["bookmarked"] is False and body["pinned"] is False
    assert "scheduled_at" not in body
    assert "text" not in body
    assert body["location"] is None
    assert count_rows(client, schema.mentions) == 1
    assert count_rows(client, schema.tags) == 1


def test_post_commits_fanout_job_and_counters(client: ApiClient) -> None:
    alice = client.make_user("alice")
    body = post(client, alice, "first")
    # One job per post: its fan-out, which also makes its notifications.
    assert {"status_id": int(body["id"]), "notify": True} in jobs_of_kind(client, "fanout_status")
    account = account_row(client, alice)
    assert account["statuses_count"] == 1
    assert account["last_status_at"] is not None


def test_location_round_trip_in_every_shape(client: ApiClient) -> None:
    alice = client.make_user("alice")
    nested = post(
        client,
        alice,
        "from the park",
        location={"name": "Central Park", "latitude": 40.78, "longitude": -73.97},
    )
    assert nested["location"] == {
        "name": "Central Park",
        "latitude": 40.78,
        "longitude": -73.97,
    }
    form = client.post(
        "/api/v1/statuses",
        user=alice,
        data={
            "status": "form",
            "location[name]": "Quay",
            "location[latitude]": "51.5",
            "location[longitude]": "-0.12",
        },
    )
    assert form.status_code == 200, form.text
    assert form.json()["location"] == {"name": "Quay", "latitude": 51.5, "longitude": -0.12}
    flat = post(client, alice, "flat", place_name="Home")
    assert flat["location"] == {"name": "Home", "latitude": None, "longitude": None}
    again = client.get(f"/api/v1/statuses/{nested['id']}")
    assert again.json()["location"]["name"] == "Central Park"


def test_location_validation(client: ApiClient) -> None:
    alice = client.make_user("alice")
    for location in (
        {"latitude": 91, "longitude": 0},
        {"latitude": 0, "longitude": -180.5},
        {"latitude": 10},
        {"name": "x" * 201},
    ):
        response = client.post(
            "/api/v1/statuses", user=alice, json={"status": "x", "location": location}
        )
        assert response.status_code == 422, (location, response.text)
    assert status_row_count(client) == 0


def test_blank_text_is_refused(client: ApiClient) -> None:
    alice = client.make_user("alice")
    for text in ("", "   \n "):
        response = client.post("/api/v1/statuses", user=alice, data={"status": text})
        assert response.status_code == 422
        assert response.json() == {"error": "Validation failed: Text can't be blank"}
    response = client.post("/api/v1/statuses", user=alice, data={})
    assert response.status_code == 422


def test_length_limit_counts_urls_as_23(client: ApiClient) -> None:
    alice = client.make_user("alice")
    assert (
        client.post("/api/v1/statuses", user=alice, json={"status": "a" * 500}).status_code == 200
    )
    too_long = client.post("/api/v1/statuses", user=alice, json={"status": "a" * 501})
    assert too_long.status_code == 422
    assert "character limit" in too_long.json()["error"]
    url = "https://example.com/" + "z" * 300
    text = "b" * (500 - 23 - 1) + " " + url
    assert client.post("/api/v1/statuses", user=alice, json={"status": text}).status_code == 200
    over = "b" * (500 - 23) + " " + url
    assert client.post("/api/v1/statuses", user=alice, json={"status": over}).status_code == 422
    # The content warning counts too.
    warned = client.post(
        "/api/v1/statuses", user=alice, json={"status": "a" * 490, "spoiler_text": "c" * 11}
    )
    assert warned.status_code == 422
    assert status_row_count(client) == 2


def test_spoiler_makes_sensitive_and_language_kept(client: ApiClient) -> None:
    alice = client.make_user("alice")
    body = post(client, alice, "secret", spoiler_text="cw", language="en")
    assert body["sensitive"] is True
    assert body["spoiler_text"] == "cw"
    assert body["language"] == "en"
    odd = post(client, alice, "x", language="!!not a language")
    assert odd["language"] is None


def test_form_booleans_and_visibility(client: ApiClient) -> None:
    alice = client.make_user("alice")
    response = client.post(
        "/api/v1/statuses",
        user=alice,
        data={"status": "x", "sensitive": "True", "visibility": "unlisted"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["sensitive"] is True
    assert response.json()["visibility"] == "unlisted"
    bad = client.post("/api/v1/statuses", user=alice, data={"status": "x", "visibility": "loud"})
    assert bad.status_code == 422


def test_unknown_media_ids_are_refused(client: ApiClient) -> None:
    alice = client.make_user("alice")
    response = client.post(
        "/api/v1/statuses", user=alice, data={"status": "x", "media_ids[]": ["123"]}
    )
    assert response.status_code == 422
    assert "Media 123" in response.json()["error"]
    assert status_row_count(client) == 0


def test_reply_sets_links_and_counts(client: ApiClient) -> None:
    alice = client.make_user("alice")
    bob = client.make_user("bob")
    parent = post(client, alice, "question")
    reply = post(client, bob, "answer", in_reply_to_id=parent["id"])
    assert reply["in_reply_to_id"] == parent["id"]
    assert reply["in_reply_to_account_id"] == alice.sid
    assert client.get(f"/api/v1/statuses/{parent['id']}").json()["replies_count"] == 1
    # An integer id in JSON works too.
    reply2 = post(client, bob, "more", in_reply_to_id=int(parent["id"]))
    assert reply2["in_reply_to_id"] == parent["id"]
    assert client.get(f"/api/v1/statuses/{parent['id']}").json()["replies_count"] == 2


def test_failed_reply_leaves_nothing_behind(client: ApiClient) -> None:
    alice = client.make_user("alice")
    for bad in ("999999999", "abc", str(1 << 64), "-5"):
        response = client.post(
            "/api/v1/statuses",
            user=alice,
            json={"status": "reply #tag @alice", "in_reply_to_id": bad},
        )
        assert response.status_code == 404, (bad, response.text)
    assert status_row_count(client) == 0
    assert count_rows(client, schema.tags) == 0
    assert count_rows(client, schema.jobs) == 0
    assert account_row(client, alice)["statuses_count"] == 0


def test_idempotency_key_returns_first_status(client: ApiClient) -> None:
    alice = client.make_user("alice")
    bob = client.make_user("bob")
    headers = {"Idempotency-Key": "key-1"}
    first = client.post("/api/v1/statuses", user=alice, json={"status": "once"}, headers=headers)
    second = client.post("/api/v1/statuses", user=alice, json={"status": "once"}, headers=headers)
    assert first.status_code == second.status_code == 200
    assert first.json()["id"] == second.json()["id"]
    assert status_row_count(client) == 1
    assert len(jobs_of_kind(client, "fanout_status")) == 1
    assert account_row(client, alice)["statuses_count"] == 1
    # Another account's identical key is a different submission.
    other = client.post("/api/v1/statuses", user=bob, json={"status": "once"}, headers=headers)
    assert other.json()["id"] != first.json()["id"]
    # A different key makes a new status.
    third = client.post(
        "/api/v1/statuses", user=alice, json={"status": "once"}, headers={"Idempotency-Key": "2"}
    )
    assert third.json()["id"] != first.json()["id"]
    assert status_row_count(client) == 3


def test_idempotency_key_freed_by_delete(client: ApiClient) -> None:
    alice = client.make_user("alice")
    headers = {"Idempotency-Key": "k" * 500}
    first = client.post("/api/v1/statuses", user=alice, json={"status": "a"}, headers=headers)
    assert client.delete(f"/api/v1/statuses/{first.json()['id']}", user=alice).status_code == 200
    again = client.post("/api/v1/statuses", user=alice, json={"status": "a"}, headers=headers)
    assert again.status_code == 200
    assert again.json()["id"] != first.json()["id"]


def test_posting_needs_user_and_scope(client: ApiClient) -> None:
    assert client.post("/api/v1/statuses", data={"status": "x"}).status_code == 401
    assert (
        client.post(
            "/api/v1/statuses",
            data={"status": "x"},
            headers={"Authorization": "Bearer nope"},
        ).status_code
        == 401
    )
