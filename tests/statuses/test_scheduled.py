"""Scheduled statuses: kept, listed, moved and cancelled; published by a
job due at their time, exactly once, through the posting path. The time
moves on a manual clock (the services' and the job runner's)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from roost.db import schema
from roost.jobs.runner import Job
from roost.statuses.scheduling import publish_scheduled_status
from tests.helpers import ApiClient, ManualClock
from tests.statuses.support import count_rows, jobs_of_kind


@pytest.fixture
def clock(client: ApiClient) -> ManualClock:
    manual = ManualClock(time.time())
    client.services.clock = manual
    client.services.jobs.clock = lambda: datetime.fromtimestamp(manual(), UTC)
    return manual


def at(clock: ManualClock, seconds: float) -> str:
    return datetime.fromtimestamp(clock() + seconds, UTC).isoformat()


def statuses_of(client: ApiClient, user_id: int) -> list[str]:
    return [s["content"] for s in client.get(f"/api/v1/accounts/{user_id}/statuses").json()]


def test_scheduled_status_is_published_once_at_its_time(
    client: ApiClient, clock: ManualClock
) -> None:
    alice = client.make_user("alice")
    response = client.post(
        "/api/v1/statuses",
        user=alice,
        json={
            "status": "later #news",
            "scheduled_at": at(clock, 600),
            "visibility": "unlisted",
            "poll": {"options": ["a", "b"], "expires_in": 600},
        },
    )
    assert response.status_code == 200, response.text
    scheduled = response.json()
    assert scheduled["params"]["text"] == "later #news"
    assert scheduled["params"]["visibility"] == "unlisted"
    assert scheduled["params"]["poll"]["options"] == ["a", "b"]
    assert "content" not in scheduled
    listed = client.get("/api/v1/scheduled_statuses", user=alice).json()
    assert [s["id"] for s in listed] == [scheduled["id"]]

    client.drain()
    clock.advance(590)
    client.drain()
    assert statuses_of(client, alice.id) == []
    clock.advance(20)
    client.drain()
    posted = client.get(f"/api/v1/accounts/{alice.id}/statuses", user=alice).json()
    assert len(posted) == 1 and posted[0]["visibility"] == "unlisted"
    assert "later" in posted[0]["content"] and posted[0]["tags"][0]["name"] == "news"
    assert posted[0]["poll"]["options"][0]["title"] == "a"
    assert client.get("/api/v1/scheduled_statuses", user=alice).json() == []
    assert count_rows(client, schema.scheduled_statuses) == 0


def test_a_job_run_twice_posts_once(client: ApiClient, clock: ManualClock) -> None:
    alice = client.make_user("alice")
    sid = client.post(
        "/api/v1/statuses", user=alice, json={"status": "once", "scheduled_at": at(clock, 400)}
    ).json()["id"]
    payload = jobs_of_kind(client, "publish_scheduled_status")[0]
    assert payload["id"] == int(sid)

    async def twice() -> None:
        for _ in range(2):
            job = Job(
                id=0,
                kind="publish_scheduled_status",
                payload=payload,
                attempts=0,
                services=client.services,
            )
            await publish_scheduled_status(job)

    client.call(twice)
    assert len(statuses_of(client, alice.id)) == 1


def test_move_cancel_and_rules(client: ApiClient, clock: ManualClock) -> None:
    alice = client.make_user("alice")
    bob = client.make_user("bob")
    soon = client.post(
        "/api/v1/statuses", user=alice, json={"status": "x", "scheduled_at": at(clock, 120)}
    )
    assert soon.status_code == 422
    for bad in ("tomorrow", "2020-13-01T00:00:00Z"):
        refused = client.post(
            "/api/v1/statuses", user=alice, json={"status": "x", "scheduled_at": bad}
        )
        assert refused.status_code == 422
    blank = client.post(
        "/api/v1/statuses", user=alice, json={"status": " ", "scheduled_at": at(clock, 600)}
    )
    assert blank.status_code == 422
    sid = client.post(
        "/api/v1/statuses", user=alice, data={"status": "moved", "scheduled_at": at(clock, 600)}
    ).json()["id"]
    path = f"/api/v1/scheduled_statuses/{sid}"
    assert client.get(path, user=bob).status_code == 404
    assert client.put(path, user=bob, json={"scheduled_at": at(clock, 900)}).status_code == 404
    assert client.put(path, user=alice, json={"scheduled_at": at(clock, 60)}).status_code == 422
    moved = client.put(path, user=alice, json={"scheduled_at": at(clock, 3600)})
    assert moved.status_code == 200, moved.text
    clock.advance(700)  # the first time: its job finds the new time and waits
    client.drain()
    assert statuses_of(client, alice.id) == []
    assert client.get(path, user=alice).status_code == 200
    clock.advance(3000)
    client.drain()
    assert len(statuses_of(client, alice.id)) == 1

    other = client.post(
        "/api/v1/statuses", user=alice, json={"status": "never", "scheduled_at": at(clock, 600)}
    ).json()["id"]
    assert client.delete(f"/api/v1/scheduled_statuses/{other}", user=bob).status_code == 404
    assert client.delete(f"/api/v1/scheduled_statuses/{other}", user=alice).json() == {}
    clock.advance(700)
    client.drain()
    assert len(statuses_of(client, alice.id)) == 1


def test_daily_and_total_caps(
    client: ApiClient, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Mastodon's caps: 25 due on one UTC day, 300 waiting in all (lowered
    here to keep the test short); moving a status into a full day is refused."""
    from roost.statuses import scheduling

    alice = client.make_user("alice")
    # Noon of a day at least two days ahead, so every time lies on that day.
    start = datetime.fromtimestamp(clock() + 2 * 86400, UTC).replace(hour=12, minute=0)

    def on(day: int, minute: int) -> str:
        return (start + timedelta(days=day, minutes=minute)).isoformat()

    for i in range(scheduling.DAILY_LIMIT):
        made = client.post(
            "/api/v1/statuses", user=alice, json={"status": f"n{i}", "scheduled_at": on(0, i)}
        )
        assert made.status_code == 200, made.text
    full = client.post(
        "/api/v1/statuses", user=alice, json={"status": "one more", "scheduled_at": on(0, 40)}
    )
    assert full.status_code == 422
    assert "Daily limit" in full.json()["error"]
    other_day = client.post(
        "/api/v1/statuses", user=alice, json={"status": "next", "scheduled_at": on(1, 0)}
    )
    assert other_day.status_code == 200, other_day.text
    moved = client.put(
        f"/api/v1/scheduled_statuses/{other_day.json()['id']}",
        user=alice,
        json={"scheduled_at": on(0, 50)},
    )
    assert moved.status_code == 422
    # Moving a status within its own full day is allowed.
    first = client.get("/api/v1/scheduled_statuses", user=alice, params={"limit": 40}).json()
    same_day = next(s for s in first if s["params"]["text"] == "n0")
    kept = client.put(
        f"/api/v1/scheduled_statuses/{same_day['id']}",
        user=alice,
        json={"scheduled_at": on(0, 55)},
    )
    assert kept.status_code == 200, kept.text

    monkeypatch.setattr(scheduling, "TOTAL_LIMIT", scheduling.DAILY_LIMIT + 1)
    over = client.post(
        "/api/v1/statuses", user=alice, json={"status": "too many", "scheduled_at": on(2, 0)}
    )
    assert over.status_code == 422
    assert "Maximum number" in over.json()["error"]
    assert count_rows(client, schema.scheduled_statuses) == scheduling.DAILY_LIMIT + 1
