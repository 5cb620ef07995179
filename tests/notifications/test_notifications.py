"""Notifications through the API: made by the workers from the outbox, for
each type, never for oneself or from blocked and muted accounts, once per
action, gone with their status; listing, paging, filters, dismissal,
unread count, the grouped v2 listing and the markers."""

from __future__ import annotations

import time
from typing import Any

from tests.helpers import ApiClient, User


def post(client: ApiClient, user: User, text: str, **extra: Any) -> str:
    response = client.post("/api/v1/statuses", user=user, data={"status": text, **extra})
    assert response.status_code == 200, response.text
    return str(response.json()["id"])


def notes(client: ApiClient, user: User, **params: Any) -> list[dict[str, Any]]:
    response = client.get("/api/v1/notifications", user=user, params=params)
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()
    return found


def kinds(client: ApiClient, user: User, **params: Any) -> list[tuple[str, str]]:
    return [(n["type"], n["account"]["username"]) for n in notes(client, user, **params)]


def follow(client: ApiClient, user: User, target: User, **data: Any) -> None:
    response = client.post(f"/api/v1/accounts/{target.id}/follow", user=user, data=data)
    assert response.status_code == 200, response.text


def test_each_type_is_made_by_the_workers(client: ApiClient) -> None:
    alice, bob = client.make_user("alice"), client.make_user("bob")
    follow(client, bob, alice, notify="true")
    status_id = post(client, bob, "hello @alice")
    mine = post(client, alice, "a post of mine")
    assert client.post(f"/api/v1/statuses/{mine}/favourite", user=bob).status_code == 200
    assert client.post(f"/api/v1/statuses/{mine}/reblog", user=bob).status_code == 200
    # Nothing is made in the request: only the workers write notifications.
    assert notes(client, alice) == []
    client.drain()
    assert kinds(client, alice) == [
        ("reblog", "bob"),
        ("favourite", "bob"),
        ("mention", "bob"),
        ("follow", "bob"),
    ]
    listed = notes(client, alice)
    assert listed[2]["status"]["id"] == status_id
    assert listed[0]["status"]["id"] == mine
    assert "status" not in listed[3]
    # Bob asked to hear of Alice's posts: a "status" notification.
    assert kinds(client, bob) == [("status", "alice")]
    assert notes(client, bob)[0]["status"]["id"] == mine


def test_own_actions_notify_no_one(client: ApiClient) -> None:
    alice = client.make_user("alice")
    mine = post(client, alice, "talking to @alice")
    client.post(f"/api/v1/statuses/{mine}/favourite", user=alice)
    client.post(f"/api/v1/statuses/{mine}/reblog", user=alice)
    client.drain()
    assert notes(client, alice) == []


def test_like_unlike_like_notifies_once(client: ApiClient) -> None:
    alice, bob = client.make_user("alice"), client.make_user("bob")
    mine = post(client, alice, "like me")
    for action in ("favourite", "unfavourite", "favourite"):
        client.post(f"/api/v1/statuses/{mine}/{action}", user=bob)
        client.drain()
    assert kinds(client, alice) == [("favourite", "bob")]


def test_blocked_and_muted_accounts_are_silent(client: ApiClient) -> None:
    alice, bob, carol, dave = (client.make_user(n) for n in ("alice", "bob", "carol", "dave"))
    client.post(f"/api/v1/accounts/{bob.id}/block", user=alice)
    client.post(f"/api/v1/accounts/{carol.id}/mute", user=alice)
    # A mute that keeps notifications lets them through.
    client.post(f"/api/v1/accounts/{dave.id}/mute", user=alice, data={"notifications": "false"})
    for user in (bob, carol, dave):
        post(client, user, "hey @alice")
    client.drain()
    assert kinds(client, alice) == [("mention", "dave")]


def test_a_mute_after_the_fact_hides_what_came_before(client: ApiClient) -> None:
    alice, bob = client.make_user("alice"), client.make_user("bob")
    post(client, bob, "hey @alice")
    client.drain()
    assert len(notes(client, alice)) == 1
    client.post(f"/api/v1/accounts/{bob.id}/mute", user=alice)
    assert notes(client, alice) == []


def test_deleting_the_status_removes_its_notifications(client: ApiClient) -> None:
    alice, bob = client.make_user("alice"), client.make_user("bob")
    mention = post(client, bob, "hey @alice")
    mine = post(client, alice, "mine")
    client.post(f"/api/v1/statuses/{mine}/reblog", user=bob)
    client.drain()
    assert len(notes(client, alice)) == 2
    assert client.delete(f"/api/v1/statuses/{mention}", user=bob).status_code == 200
    client.post(f"/api/v1/statuses/{mine}/unreblog", user=bob)
    client.drain()
    assert notes(client, alice) == []


def test_a_status_deleted_before_its_job_notifies_no_one(client: ApiClient) -> None:
    alice, bob = client.make_user("alice"), client.make_user("bob")
    mention = post(client, bob, "hey @alice")
    client.delete(f"/api/v1/statuses/{mention}", user=bob)
    client.drain()
    assert notes(client, alice) == []


def test_follow_requests_notify_and_go_when_answered(client: ApiClient) -> None:
    alice = client.make_user("alice")
    bob, carol = client.make_user("bob"), client.make_user("carol")
    client.patch("/api/v1/accounts/update_credentials", user=alice, data={"locked": "true"})
    follow(client, bob, alice)
    follow(client, carol, alice)
    client.drain()
    assert kinds(client, alice) == [("follow_request", "carol"), ("follow_request", "bob")]
    client.post(f"/api/v1/follow_requests/{bob.id}/authorize", user=alice)
    client.post(f"/api/v1/accounts/{carol.id}/unfollow", user=carol)  # nothing to do
    client.post(f"/api/v1/follow_requests/{carol.id}/reject", user=alice)
    client.drain()
    assert notes(client, alice) == []


def test_status_notifications_skip_replies_to_others_and_direct(client: ApiClient) -> None:
    alice, bob, carol = (client.make_user(n) for n in ("alice", "bob", "carol"))
    follow(client, bob, alice, notify="true")
    other = post(client, carol, "carol says")
    post(client, alice, "a reply", in_reply_to_id=other)
    post(client, alice, "secret @carol", visibility="direct")
    own_thread = post(client, alice, "thread start")
    post(client, alice, "thread goes on", in_reply_to_id=own_thread)
    client.drain()
    assert [n["status"]["content"] for n in notes(client, bob, types=["status"])] == [
        "<p>thread goes on</p>",
        "<p>thread start</p>",
    ]


def test_listing_filters_paging_dismiss_and_clear(client: ApiClient) -> None:
    alice = client.make_user("alice")
    others = [client.make_user(f"user{i}") for i in range(3)]
    for other in others:
        follow(client, other, alice)
        post(client, other, "hi @alice")
    client.drain()
    assert len(notes(client, alice)) == 6
    assert {t for t, _ in kinds(client, alice, types=["follow"])} == {"follow"}
    assert {t for t, _ in kinds(client, alice, exclude_types=["follow"])} == {"mention"}
    assert kinds(client, alice, account_id=others[0].sid) == [
        ("mention", "user0"),
        ("follow", "user0"),
    ]
    page = client.get("/api/v1/notifications", user=alice, params={"limit": 2})
    assert len(page.json()) == 2
    link = page.headers["link"]
    assert link.index('rel="next"') < link.index('rel="prev"')
    oldest = page.json()[-1]["id"]
    rest = notes(client, alice, max_id=oldest)
    assert len(rest) == 4 and all(int(n["id"]) < int(oldest) for n in rest)
    assert [n["id"] for n in notes(client, alice, min_id=rest[0]["id"])] == [
        n["id"] for n in page.json()
    ]

    one = page.json()[0]
    got = client.get(f"/api/v1/notifications/{one['id']}", user=alice)
    assert got.status_code == 200 and got.json()["id"] == one["id"]
    # Someone else's notification does not exist for the caller.
    assert client.get(f"/api/v1/notifications/{one['id']}", user=others[0]).status_code == 404
    assert (
        client.post(f"/api/v1/notifications/{one['id']}/dismiss", user=others[0]).status_code == 404
    )
    dismissed = client.post(f"/api/v1/notifications/{one['id']}/dismiss", user=alice)
    assert dismissed.status_code == 200 and dismissed.json() == {}
    assert client.get(f"/api/v1/notifications/{one['id']}", user=alice).status_code == 404
    assert client.get("/api/v1/notifications/nope", user=alice).status_code == 404
    assert len(notes(client, alice)) == 5
    assert client.post("/api/v1/notifications/clear", user=alice).json() == {}
    assert notes(client, alice) == []


def test_bad_parameters_are_refused(client: ApiClient) -> None:
    alice = client.make_user("alice")
    bad = client.get("/api/v1/notifications", user=alice, params={"account_id": "x"})
    assert bad.status_code == 422
    assert (
        client.get("/api/v1/notifications", user=alice, params={"max_id": "x"}).status_code == 422
    )
    assert client.get("/api/v1/notifications").status_code == 401


def test_unread_count_follows_the_marker(client: ApiClient) -> None:
    alice = client.make_user("alice")
    others = [client.make_user(f"user{i}") for i in range(3)]
    for other in others:
        follow(client, other, alice)
    client.drain()
    count = client.get("/api/v1/notifications/unread_count", user=alice)
    assert count.json() == {"count": 3}
    assert client.get(
        "/api/v1/notifications/unread_count", user=alice, params={"limit": 2}
    ).json() == {"count": 2}
    newest = notes(client, alice)[1]["id"]
    saved = client.post("/api/v1/markers", user=alice, data={"notifications[last_read_id]": newest})
    assert saved.status_code == 200, saved.text
    assert saved.json()["notifications"]["last_read_id"] == newest
    assert saved.json()["notifications"]["version"] == 1
    assert client.get("/api/v1/notifications/unread_count", user=alice).json() == {"count": 1}


def test_markers_save_and_read(client: ApiClient) -> None:
    alice = client.make_user("alice")
    assert client.get("/api/v1/markers", user=alice).json() == {}
    first = client.post("/api/v1/markers", user=alice, json={"home": {"last_read_id": "123"}})
    assert first.status_code == 200, first.text
    again = client.post("/api/v1/markers", user=alice, json={"home": {"last_read_id": "456"}})
    assert again.json()["home"]["version"] == 2
    read = client.get(
        "/api/v1/markers", user=alice, params={"timeline[]": ["home", "notifications"]}
    )
    assert read.json()["home"]["last_read_id"] == "456"
    assert "notifications" not in read.json()
    assert client.post("/api/v1/markers", user=alice, json={}).status_code == 422
    bad = client.post("/api/v1/markers", user=alice, data={"home[last_read_id]": "x"})
    assert bad.status_code == 422


def test_grouped_notifications(client: ApiClient) -> None:
    # Groups are windows of a wall-clock hour: do not start a few seconds
    # before one ends (the likes would fall into two groups).
    to_next_hour = 3600 - time.time() % 3600
    if to_next_hour < 15:
        time.sleep(to_next_hour + 0.5)
    alice = client.make_user("alice")
    others = [client.make_user(f"user{i}") for i in range(3)]
    mine = post(client, alice, "like me")
    for other in others:
        client.post(f"/api/v1/statuses/{mine}/favourite", user=other)
    post(client, others[0], "hey @alice")
    client.drain()
    response = client.get("/api/v2/notifications", user=alice)
    assert response.status_code == 200, response.text
    body = response.json()
    groups = body["notification_groups"]
    assert [g["type"] for g in groups] == ["mention", "favourite"]
    favs = groups[1]
    assert favs["notifications_count"] == 3
    assert favs["sample_account_ids"] == [o.sid for o in reversed(others)]
    assert favs["status_id"] == mine
    assert favs["group_key"].startswith("favourite-")
    assert groups[0]["group_key"] == f"ungrouped-{groups[0]['most_recent_notification_id']}"
    assert {a["id"] for a in body["accounts"]} == {o.sid for o in others}
    assert {s["id"] for s in body["statuses"]} == {mine, groups[0]["status_id"]}
    # One group per page: the favourites come next, whole.
    first = client.get("/api/v2/notifications", user=alice, params={"limit": 1})
    assert [g["type"] for g in first.json()["notification_groups"]] == ["mention"]
    after = first.json()["notification_groups"][0]["page_min_id"]
    second = client.get("/api/v2/notifications", user=alice, params={"limit": 1, "max_id": after})
    assert [g["notifications_count"] for g in second.json()["notification_groups"]] == [3]
    ungrouped = client.get(
        "/api/v2/notifications", user=alice, params={"grouped_types[]": ["follow"]}
    )
    assert len(ungrouped.json()["notification_groups"]) == 4
