"""Editing statuses: the new version everywhere at once, its history and
source, only by the author, and the stream event and notifications a job
sends after the commit."""

from __future__ import annotations

from roost.db import schema
from tests.helpers import ApiClient
from tests.statuses.support import count_rows, follow, jobs_of_kind, post
from tests.streaming.support import events, open_session


def test_edit_changes_the_status_everywhere_and_keeps_history(client: ApiClient) -> None:
    alice = client.make_user("alice")
    bob = client.make_user("bob")
    follow(client, bob, alice)
    status = post(client, alice, "first #draft", spoiler_text="cw")
    sid = status["id"]
    assert status["edited_at"] is None
    client.drain()
    # Warm every cache first: the thread, the home timeline, the status.
    assert client.get("/api/v1/timelines/home", user=bob).json()[0]["content"] == status["content"]
    client.get(f"/api/v1/statuses/{sid}", user=bob)

    edited = client.put(
        f"/api/v1/statuses/{sid}",
        user=alice,
        json={"status": "second @bob #final", "sensitive": True, "language": "fr"},
    )
    assert edited.status_code == 200, edited.text
    body = edited.json()
    assert body["id"] == sid
    assert "second" in body["content"]
    assert body["spoiler_text"] == ""
    assert body["sensitive"] is True
    assert body["language"] == "fr"
    assert body["edited_at"] is not None
    assert [t["name"] for t in body["tags"]] == ["final"]
    assert [m["username"] for m in body["mentions"]] == ["bob"]
    assert body["created_at"] == status["created_at"]

    home = client.get("/api/v1/timelines/home", user=bob).json()
    assert home[0]["id"] == sid and "second" in home[0]["content"]
    assert home[0]["edited_at"] == body["edited_at"]
    shown = client.get(f"/api/v1/statuses/{sid}").json()
    assert shown["content"] == body["content"]
    tagged = client.get("/api/v1/timelines/tag/final").json()
    assert [s["id"] for s in tagged] == [sid]
    assert client.get("/api/v1/timelines/tag/draft").json() == []

    history = client.get(f"/api/v1/statuses/{sid}/history")
    assert history.status_code == 200
    versions = history.json()
    assert [("first" in v["content"], v["spoiler_text"]) for v in versions] == [
        (True, "cw"),
        (False, ""),
    ]
    assert versions[0]["created_at"] == status["created_at"]
    assert versions[1]["created_at"] == body["edited_at"]
    assert versions[1]["account"]["id"] == alice.sid

    source = client.get(f"/api/v1/statuses/{sid}/source", user=alice)
    assert source.json() == {"id": sid, "text": "second @bob #final", "spoiler_text": ""}

    client.put(f"/api/v1/statuses/{sid}", user=alice, json={"status": "third"})
    assert len(client.get(f"/api/v1/statuses/{sid}/history").json()) == 3
    assert count_rows(client, schema.status_edits) == 3


def test_unedited_history_is_the_status_itself(client: ApiClient) -> None:
    alice = client.make_user("alice")
    status = post(client, alice, "never changed")
    versions = client.get(f"/api/v1/statuses/{status['id']}/history").json()
    assert len(versions) == 1
    assert versions[0]["content"] == status["content"]
    assert versions[0]["created_at"] == status["created_at"]


def test_only_the_author_edits_and_bad_edits_change_nothing(client: ApiClient) -> None:
    alice = client.make_user("alice")
    bob = client.make_user("bob")
    status = post(client, alice, "mine")
    sid = status["id"]
    assert client.put(f"/api/v1/statuses/{sid}", user=bob, json={"status": "x"}).status_code == 404
    assert client.put(f"/api/v1/statuses/{sid}", json={"status": "x"}).status_code == 401
    assert client.put("/api/v1/statuses/1", user=alice, json={"status": "x"}).status_code == 404
    blank = client.put(f"/api/v1/statuses/{sid}", user=alice, json={"status": "  "})
    assert blank.status_code == 422
    too_long = client.put(f"/api/v1/statuses/{sid}", user=alice, json={"status": "x" * 600})
    assert too_long.status_code == 422
    poll = client.put(
        f"/api/v1/statuses/{sid}", user=alice, json={"status": "x", "poll": {"options": ["a"]}}
    )
    assert poll.status_code == 422
    reblog = client.post(f"/api/v1/statuses/{sid}/reblog", user=bob).json()
    wrapper = client.put(f"/api/v1/statuses/{reblog['id']}", user=bob, json={"status": "x"})
    assert wrapper.status_code == 404
    assert client.get(f"/api/v1/statuses/{sid}").json()["content"] == status["content"]
    assert count_rows(client, schema.status_edits) == 0
    assert jobs_of_kind(client, "announce_status_edit") == []
    # A private status's history and source stay private.
    hidden = post(client, alice, "friends only", visibility="private")
    assert client.get(f"/api/v1/statuses/{hidden['id']}/history", user=bob).status_code == 404
    assert client.get(f"/api/v1/statuses/{hidden['id']}/source", user=bob).status_code == 404


def test_edit_notifies_interested_accounts_once_per_status(client: ApiClient) -> None:
    alice = client.make_user("alice")
    fan = client.make_user("fan")
    booster = client.make_user("booster")
    bystander = client.make_user("bystander")
    sid = post(client, alice, "hello")["id"]
    client.post(f"/api/v1/statuses/{sid}/favourite", user=fan)
    client.post(f"/api/v1/statuses/{sid}/reblog", user=booster)
    client.drain()
    for text in ("hello again", "hello once more"):
        assert (
            client.put(f"/api/v1/statuses/{sid}", user=alice, json={"status": text}).status_code
            == 200
        )
        client.drain()
    for user in (fan, booster):
        notes = client.get("/api/v1/notifications", user=user, params={"types[]": "update"})
        found = [n for n in notes.json() if n["type"] == "update"]
        assert len(found) == 1, notes.json()
        assert found[0]["status"]["id"] == sid
        assert "once more" in found[0]["status"]["content"]
        assert found[0]["account"]["id"] == alice.sid
    quiet = client.get("/api/v1/notifications", user=bystander).json()
    assert [n for n in quiet if n["type"] == "update"] == []
    assert [n for n in client.get("/api/v1/notifications", user=alice).json()] == [
        n for n in client.get("/api/v1/notifications", user=alice).json() if n["type"] != "update"
    ]


def test_edit_sends_status_update_to_the_streams(client: ApiClient) -> None:
    alice = client.make_user("alice")
    bob = client.make_user("bob")
    follow(client, bob, alice)
    sid = post(client, alice, "before #news")["id"]
    client.drain()
    home = open_session(client, bob, "user")
    public = open_session(client, None, "public")
    tag = open_session(client, None, "hashtag", tag="news")
    assert client.put(
        f"/api/v1/statuses/{sid}", user=alice, json={"status": "after #news"}
    ).is_success
    client.drain()
    for session in (home, public, tag):
        updates = [(e, p) for e, p in events(client, session) if e == "status.update"]
        assert len(updates) == 1
        assert updates[0][1]["id"] == sid
        assert "after" in updates[0][1]["content"]
        assert updates[0][1]["edited_at"] is not None

    async def close() -> None:
        for session in (home, public, tag):
            session.close()

    client.call(close)


def test_deleting_an_edited_status_removes_its_history(client: ApiClient) -> None:
    alice = client.make_user("alice")
    sid = post(client, alice, "one")["id"]
    client.put(f"/api/v1/statuses/{sid}", user=alice, json={"status": "two"})
    deleted = client.delete(f"/api/v1/statuses/{sid}", user=alice)
    assert deleted.status_code == 200
    assert deleted.json()["text"] == "two"
    assert count_rows(client, schema.status_edits) == 0
    assert client.get(f"/api/v1/statuses/{sid}/history").status_code == 404
