"""Filters applied where Mastodon applies them: hide drops the status,
warn adds ``filtered``; each context on its own; the warm home read still
runs no SQL; the viewer's streams hear ``filters_changed``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.helpers import ApiClient, User
from tests.lists.support import add, list_timeline, make_list
from tests.streaming.support import events, next_event, open_session
from tests.timelines.support import follow, home, post, timeline


def make_filter(
    client: ApiClient, user: User, action: str, context: list[str], *keywords: Any
) -> dict[str, Any]:
    attributes = [k if isinstance(k, dict) else {"keyword": k} for k in keywords]
    response = client.post(
        "/api/v2/filters",
        user=user,
        json={
            "title": "t",
            "context": context,
            "filter_action": action,
            "keywords_attributes": attributes,
        },
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def statuses(client: ApiClient, user: User, path: str) -> dict[str, dict[str, Any]]:
    response = client.get(path, user=user)
    assert response.status_code == 200, response.text
    return {s["id"]: s for s in response.json()}


def test_hide_and_warn_on_home(client: ApiClient) -> None:
    alice, bob = client.make_user("alice"), client.make_user("bob")
    follow(client, alice, bob)
    client.drain()
    hidden = post(client, bob, "The Finale was great")
    warned = post(client, bob, "cats everywhere")
    partial = post(client, bob, "concatenate strings")
    inside = post(client, bob, "catalogue", spoiler_text="about cats?")
    plain = post(client, bob, "nothing to see")
    client.drain()
    before = statuses(client, alice, "/api/v1/timelines/home")
    assert "filtered" not in before[warned]
    make_filter(client, alice, "hide", ["home"], "finale")
    made = make_filter(
        client, alice, "warn", ["home"], "cats", {"keyword": "log", "whole_word": False}
    )
    shown = statuses(client, alice, "/api/v1/timelines/home")
    assert hidden not in shown
    assert set(shown) == {warned, partial, inside, plain}
    result = shown[warned]["filtered"]
    assert result[0]["filter"]["id"] == made["id"]
    assert result[0]["keyword_matches"] == ["cats"]
    assert result[0]["status_matches"] is None
    assert "filtered" not in shown[plain]
    # "cat" inside "concatenate" is not the whole word "cats"; "log" is not whole-word.
    assert "filtered" not in shown[partial]
    assert shown[inside]["filtered"][0]["keyword_matches"] == ["cats", "log"]
    # Others see everything; the public timeline is another context.
    assert hidden in home(client, bob)
    assert hidden in timeline(client, "/api/v1/timelines/public", alice)


def test_status_filters_and_other_contexts(client: ApiClient) -> None:
    alice, bob = client.make_user("alice"), client.make_user("bob")
    follow(client, alice, bob)
    root = post(client, bob, "a thread about trains")
    reply = post(client, bob, "more trains", in_reply_to_id=root)
    mention = post(client, bob, f"@{alice.username} trains!")
    other = post(client, bob, "unrelated")
    client.drain()
    made = make_filter(client, alice, "hide", ["thread", "notifications", "public"], "trains")
    entry = client.post(
        f"/api/v2/filters/{made['id']}/statuses", user=alice, data={"status_id": other}
    )
    assert entry.status_code == 200
    context = client.get(f"/api/v1/statuses/{root}/context", user=alice).json()
    assert context["descendants"] == []
    assert client.get(f"/api/v1/statuses/{reply}/context", user=bob).json()["ancestors"]
    notes = client.get("/api/v1/notifications", user=alice).json()
    assert [n["status"]["id"] for n in notes if n.get("status")] == []
    public = timeline(client, "/api/v1/timelines/public", alice)
    assert other not in public and root not in public
    # Home is not among the contexts.
    assert {root, reply, mention, other} <= set(home(client, alice))
    client.put(f"/api/v2/filters/{made['id']}", user=alice, json={"filter_action": "warn"})
    shown = statuses(client, alice, "/api/v1/timelines/public")
    assert shown[other]["filtered"][0]["status_matches"] == [other]
    # An expired filter applies nowhere.
    expire(client, alice, int(made["id"]))
    shown = statuses(client, alice, "/api/v1/timelines/public")
    assert "filtered" not in shown[other]
    assert client.get(f"/api/v1/statuses/{root}/context", user=alice).json()["descendants"]


def expire(client: ApiClient, user: User, filter_id: int) -> None:
    from roost.db import schema
    from roost.filters.store import forget_filters

    async def run() -> None:
        past = datetime.now(UTC) - timedelta(minutes=1)
        async with client.services.db.write() as conn:
            await conn.execute(
                schema.filters.update()
                .where(schema.filters.c.id == filter_id)
                .values(expires_at=past)
            )
        await forget_filters(client.services, user.id)

    client.call(run)


def test_lists_are_filtered_like_home(client: ApiClient) -> None:
    alice, bob = client.make_user("alice"), client.make_user("bob")
    follow(client, alice, bob)
    list_id = make_list(client, alice)
    add(client, alice, list_id, bob)
    hidden = post(client, bob, "spoiler alert")
    kept = post(client, bob, "fine")
    client.drain()
    make_filter(client, alice, "hide", ["home"], "spoiler")
    assert list_timeline(client, alice, list_id) == [kept]
    assert hidden not in home(client, alice)


def test_warm_home_read_with_filters_runs_no_sql(client: ApiClient) -> None:
    alice, bob = client.make_user("alice"), client.make_user("bob")
    follow(client, alice, bob)
    client.drain()
    post(client, bob, "spoiler here")
    warned = post(client, bob, "cats")
    client.drain()
    make_filter(client, alice, "hide", ["home"], "spoiler")
    make_filter(client, alice, "warn", ["home"], "cats")
    first = statuses(client, alice, "/api/v1/timelines/home")
    assert list(first) == [warned] and first[warned]["filtered"]
    with client.count_queries() as queries:
        again = statuses(client, alice, "/api/v1/timelines/home")
    assert queries == []
    assert again == first


def test_streams_apply_filters_and_hear_changes(client: ApiClient) -> None:
    alice, bob = client.make_user("alice"), client.make_user("bob")
    follow(client, alice, bob)
    client.drain()
    make_filter(client, alice, "hide", ["home"], "secret")
    made = make_filter(client, alice, "warn", ["public"], "news")
    session = open_session(client, alice, "user")
    public = open_session(client, alice, "public")
    post(client, bob, "a secret")
    shown = post(client, bob, "big news")
    client.drain()
    got = events(client, session)
    assert [(e, p["id"]) for e, p in got] == [("update", shown)]
    assert "filtered" not in got[0][1]  # the warn filter is for public only
    on_public = events(client, public)
    by_id = {p["id"]: p for e, p in on_public if e == "update"}
    assert by_id[shown]["filtered"][0]["filter"]["id"] == made["id"]
    assert client.delete(f"/api/v2/filters/{made['id']}", user=alice).status_code == 200
    changed = next_event(client, session)
    assert changed is not None
    assert (changed.event, changed.payload) == ("filters_changed", "undefined")
