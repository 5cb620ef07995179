"""Filters through the API: v2 filters, keywords and statuses, and v1
filters answered from the same rows."""

from __future__ import annotations

from typing import Any

from tests.helpers import ApiClient, User
from tests.timelines.support import post


def create(client: ApiClient, user: User, **body: Any) -> dict[str, Any]:
    response = client.post("/api/v2/filters", user=user, json=body)
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_v2_filter_lifecycle(client: ApiClient) -> None:
    alice, bob = client.make_user("alice"), client.make_user("bob")
    made = create(
        client,
        alice,
        title="spoilers",
        context=["home", "public"],
        filter_action="hide",
        keywords_attributes=[{"keyword": "finale"}, {"keyword": "ending", "whole_word": False}],
    )
    assert made["title"] == "spoilers"
    assert made["context"] == ["home", "public"]
    assert made["filter_action"] == "hide"
    assert made["expires_at"] is None
    assert [(k["keyword"], k["whole_word"]) for k in made["keywords"]] == [
        ("finale", True),
        ("ending", False),
    ]
    fid = made["id"]
    assert client.get("/api/v2/filters", user=alice).json() == [made]
    assert client.get(f"/api/v2/filters/{fid}", user=alice).json() == made
    assert client.get(f"/api/v2/filters/{fid}", user=bob).status_code == 404
    first_kw = made["keywords"][0]["id"]
    changed = client.put(
        f"/api/v2/filters/{fid}",
        user=alice,
        json={
            "title": "tv",
            "expires_in": 3600,
            "keywords_attributes": [
                {"id": first_kw, "_destroy": True},
                {"keyword": "season"},
            ],
        },
    )
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert body["title"] == "tv" and body["expires_at"] is not None
    assert [k["keyword"] for k in body["keywords"]] == ["ending", "season"]
    # Keywords on their own.
    added = client.post(f"/api/v2/filters/{fid}/keywords", user=alice, data={"keyword": "plot"})
    assert added.status_code == 200, added.text
    kid = added.json()["id"]
    assert client.get(f"/api/v2/filters/keywords/{kid}", user=alice).json()["keyword"] == "plot"
    assert client.get(f"/api/v2/filters/keywords/{kid}", user=bob).status_code == 404
    put = client.put(
        f"/api/v2/filters/keywords/{kid}",
        user=alice,
        data={"keyword": "twist", "whole_word": "false"},
    )
    assert put.json() == {"id": kid, "keyword": "twist", "whole_word": False}
    assert len(client.get(f"/api/v2/filters/{fid}/keywords", user=alice).json()) == 3
    assert client.delete(f"/api/v2/filters/keywords/{kid}", user=alice).json() == {}
    # Statuses.
    sid = post(client, bob, "a status to filter")
    entry = client.post(f"/api/v2/filters/{fid}/statuses", user=alice, data={"status_id": sid})
    assert entry.status_code == 200, entry.text
    eid = entry.json()["id"]
    assert entry.json()["status_id"] == sid
    assert client.get(f"/api/v2/filters/statuses/{eid}", user=alice).json() == entry.json()
    assert client.get(f"/api/v2/filters/{fid}/statuses", user=alice).json() == [entry.json()]
    again = client.post(f"/api/v2/filters/{fid}/statuses", user=alice, data={"status_id": sid})
    assert again.status_code == 422
    assert client.delete(f"/api/v2/filters/statuses/{eid}", user=alice).json() == {}
    assert client.delete(f"/api/v2/filters/{fid}", user=bob).status_code == 404
    assert client.delete(f"/api/v2/filters/{fid}", user=alice).json() == {}
    assert client.get("/api/v2/filters", user=alice).json() == []


def test_form_bodies_and_bad_input(client: ApiClient) -> None:
    alice = client.make_user("alice")
    response = client.post(
        "/api/v2/filters",
        user=alice,
        data={
            "title": "form",
            "context[]": ["home", "thread"],
            "keywords_attributes[0][keyword]": "cats",
            "keywords_attributes[0][whole_word]": "false",
        },
    )
    assert response.status_code == 200, response.text
    assert response.json()["context"] == ["home", "thread"]
    assert response.json()["keywords"][0]["whole_word"] is False
    for body in (
        {"context": ["home"]},
        {"title": "x", "context": []},
        {"title": "x", "context": ["elsewhere"]},
        {"title": "x", "context": ["home"], "filter_action": "explode"},
        {"title": "x", "context": ["home"], "keywords_attributes": [{"keyword": " "}]},
        {"title": "x", "context": ["home"], "expires_in": 10**15},
    ):
        refused = client.post("/api/v2/filters", user=alice, json=body)
        assert refused.status_code == 422, (body, refused.text)
    assert len(client.get("/api/v2/filters", user=alice).json()) == 1  # nothing half-made


def test_v1_filters_are_the_v2_keywords(client: ApiClient) -> None:
    alice = client.make_user("alice")
    made = client.post(
        "/api/v1/filters",
        user=alice,
        data={"phrase": "politics", "context[]": ["home"], "irreversible": "true"},
    )
    assert made.status_code == 200, made.text
    v1 = made.json()
    assert v1["phrase"] == "politics" and v1["irreversible"] is True and v1["whole_word"] is True
    v2 = client.get("/api/v2/filters", user=alice).json()
    assert len(v2) == 1 and v2[0]["filter_action"] == "hide"
    assert v2[0]["keywords"][0]["id"] == v1["id"]
    assert client.get("/api/v1/filters", user=alice).json() == [v1]
    changed = client.put(
        f"/api/v1/filters/{v1['id']}",
        user=alice,
        data={"phrase": "elections", "context[]": ["public"], "irreversible": "false"},
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["phrase"] == "elections"
    assert changed.json()["context"] == ["public"]
    assert changed.json()["irreversible"] is False
    assert client.delete(f"/api/v1/filters/{v1['id']}", user=alice).json() == {}
    assert client.get("/api/v1/filters", user=alice).json() == []
    assert client.get("/api/v2/filters", user=alice).json() == []
