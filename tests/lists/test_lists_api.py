"""Lists and their members through the API: who may see and change them,
what they accept and refuse."""

from __future__ import annotations

from tests.helpers import ApiClient
from tests.lists.support import add, make_list
from tests.timelines.support import follow, unfollow


def test_create_show_update_delete(client: ApiClient) -> None:
    alice, bob = client.make_user("alice"), client.make_user("bob")
    assert client.get("/api/v1/lists", user=alice).json() == []
    created = client.post("/api/v1/lists", user=alice, data={"title": " news "})
    assert created.status_code == 200, created.text
    list_id = created.json()["id"]
    assert created.json() == {
        "id": list_id,
        "title": "news",
        "replies_policy": "list",
        "exclusive": False,
    }
    second = make_list(client, alice, "work", replies_policy="none", exclusive="true")
    shown = client.get("/api/v1/lists", user=alice).json()
    assert [entry["id"] for entry in shown] == [list_id, second]
    assert shown[1]["replies_policy"] == "none" and shown[1]["exclusive"] is True
    changed = client.put(
        f"/api/v1/lists/{list_id}",
        user=alice,
        json={"title": "world news", "replies_policy": "followed", "exclusive": True},
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["title"] == "world news"
    assert changed.json()["replies_policy"] == "followed"
    assert client.get(f"/api/v1/lists/{list_id}", user=alice).json() == changed.json()
    # Someone else's list does not exist for bob.
    assert client.get(f"/api/v1/lists/{list_id}", user=bob).status_code == 404
    assert client.put(f"/api/v1/lists/{list_id}", user=bob, data={"title": "x"}).status_code == 404
    assert client.delete(f"/api/v1/lists/{list_id}", user=bob).status_code == 404
    assert client.get(f"/api/v1/timelines/list/{list_id}", user=bob).status_code == 404
    deleted = client.delete(f"/api/v1/lists/{list_id}", user=alice)
    assert deleted.status_code == 200 and deleted.json() == {}
    assert client.get(f"/api/v1/lists/{list_id}", user=alice).status_code == 404
    assert [entry["id"] for entry in client.get("/api/v1/lists", user=alice).json()] == [second]


def test_bad_input_is_refused(client: ApiClient) -> None:
    alice = client.make_user("alice")
    for data in ({}, {"title": "  "}, {"title": "x" * 256}, {"title": "a", "replies_policy": "x"}):
        response = client.post("/api/v1/lists", user=alice, data=data)
        assert response.status_code == 422, (data, response.text)
        assert "error" in response.json()
    assert client.get("/api/v1/lists", user=alice).json() == []
    assert client.get("/api/v1/lists").status_code == 401


def test_members_must_be_followed(client: ApiClient) -> None:
    alice, bob, carol = (client.make_user(n) for n in ("alice", "bob", "carol"))
    list_id = make_list(client, alice)
    follow(client, alice, bob)
    path = f"/api/v1/lists/{list_id}/accounts"
    refused = client.post(path, user=alice, data={"account_ids[]": [bob.sid, carol.sid]})
    assert refused.status_code == 422, refused.text
    assert client.get(path, user=alice).json() == []  # nothing half-added
    assert client.post(path, user=alice, data={"account_ids[]": ["999999"]}).status_code == 404
    add(client, alice, list_id, bob)
    again = client.post(path, user=alice, data={"account_ids[]": [bob.sid]})
    assert again.status_code == 422
    assert [a["id"] for a in client.get(path, user=alice).json()] == [bob.sid]
    assert [a["id"] for a in client.get(path, user=alice, params={"limit": 0}).json()] == [bob.sid]
    assert client.get(path, user=carol).status_code == 404
    lists_of_bob = client.get(f"/api/v1/accounts/{bob.id}/lists", user=alice).json()
    assert [entry["id"] for entry in lists_of_bob] == [list_id]
    assert client.get(f"/api/v1/accounts/{carol.id}/lists", user=alice).json() == []
    removed = client.request("DELETE", path, user=alice, data={"account_ids[]": [bob.sid]})
    assert removed.status_code == 200, removed.text
    assert client.get(path, user=alice).json() == []


def test_unfollowing_takes_the_account_out_of_lists(client: ApiClient) -> None:
    alice, bob = client.make_user("alice"), client.make_user("bob")
    follow(client, alice, bob)
    list_id = make_list(client, alice)
    add(client, alice, list_id, bob)
    path = f"/api/v1/lists/{list_id}/accounts"
    assert len(client.get(path, user=alice).json()) == 1
    unfollow(client, alice, bob)
    client.drain()
    assert client.get(path, user=alice).json() == []
    assert client.get(f"/api/v1/accounts/{bob.id}/lists", user=alice).json() == []
