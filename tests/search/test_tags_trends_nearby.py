"""Followed hashtags reach home timelines, trends score bursts over steady
use, the nearby timeline finds statuses within a radius."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from roost.config import Settings
from roost.db import schema
from roost.kernel.cachekeys import home_key
from roost.kernel.paging import Page
from roost.search.tags import hour_of
from roost.search.trends import refresh_trends
from tests.helpers import ApiClient, User


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # Small fan-out batches: tag followers are delivered over several.
    return settings.replace(fanout_batch_size=2)


def _post(client: ApiClient, user: User, text: str, **extra: object) -> str:
    response = client.post("/api/v1/statuses", user=user, json={"status": text, **extra})
    assert response.status_code == 200, response.text
    return str(response.json()["id"])


def _home(client: ApiClient, user: User) -> list[str]:
    return [s["id"] for s in client.get("/api/v1/timelines/home", user=user).json()]


def test_followed_tag_reaches_home_timeline(client: ApiClient) -> None:
    reader = client.make_user("reader")
    author = client.make_user("author")
    muted = client.make_user("muted")
    _home(client, reader)  # the timeline exists: fan-out writes into it
    followed = client.post("/api/v1/tags/Birds/follow", user=reader)
    assert followed.status_code == 200
    assert followed.json()["name"] == "birds" and followed.json()["following"] is True
    client.post(f"/api/v1/accounts/{muted.sid}/mute", user=reader)
    client.drain()
    wanted = _post(client, author, "look #birds")
    _post(client, author, "no tag here")
    _post(client, author, "quiet #birds", visibility="unlisted")
    _post(client, muted, "also #birds")
    client.drain()
    assert _home(client, reader) == [wanted]

    # A timeline rebuilt from the database (evicted, flushed) holds the same.
    async def evict() -> None:
        await client.services.timelines.clear()

    client.call(evict)
    assert _home(client, reader) == [wanted]
    tag = client.get("/api/v1/tags/birds", user=reader).json()
    assert tag["following"] is True
    assert tag["history"][0]["accounts"] == "2"  # author and muted, public only
    listed = client.get("/api/v1/followed_tags", user=reader).json()
    assert [t["name"] for t in listed] == ["birds"]
    assert client.post("/api/v1/tags/birds/unfollow", user=reader).json()["following"] is False
    assert client.get("/api/v1/followed_tags", user=reader).json() == []
    _post(client, author, "later #birds")
    client.drain()
    assert _home(client, reader) == [wanted]
    assert client.get("/api/v1/tags/nosuchtag").status_code == 404
    assert client.post("/api/v1/tags/no%20tag/follow", user=reader).status_code == 422


def test_tag_fanout_resumes_in_batches(client: ApiClient) -> None:
    author = client.make_user("poster")
    readers = [client.make_user(f"reader{i}") for i in range(5)]
    for reader in readers:
        _home(client, reader)
        client.post("/api/v1/tags/cats/follow", user=reader)
    status_id = _post(client, author, "#cats #pets")
    client.drain()
    assert all(_home(client, r) == [status_id] for r in readers)

    # Deleting it takes it out of the stored timelines too (in batches),
    # not only out of what rendering shows.
    async def stored(reader: User) -> list[int] | None:
        return await client.services.timelines.range(home_key(reader.id), Page(limit=10))

    assert client.call(stored, readers[0]) == [int(status_id)]
    assert client.delete(f"/api/v1/statuses/{status_id}", user=author).status_code == 200
    client.drain()
    assert all(client.call(stored, r) == [] for r in readers)


def _add_uses(client: ApiClient, rows: list[dict[str, int]]) -> None:
    async def insert() -> None:
        async with client.services.db.write() as conn:
            await conn.execute(schema.tag_uses.insert(), rows)

    client.call(insert)


def test_trends_burst_beats_steady_tag_and_spam(client: ApiClient) -> None:
    poster = client.make_user("poster")
    spammer = client.make_user("spammer")
    for _ in range(30):
        _post(client, spammer, "buy #spam")
    _post(client, poster, "#steady and #burst")
    tag_ids = {
        t["name"]: int(t["id"])
        for t in client.get("/api/v2/search", params={"q": "#steady", "type": "hashtags"}).json()[
            "hashtags"
        ]
        + client.get("/api/v2/search", params={"q": "#burst", "type": "hashtags"}).json()[
            "hashtags"
        ]
    }
    now = datetime.now(UTC)
    hour = hour_of(now)
    # #steady: 200 accounts a day for a week (about 8 an hour, every hour,
    # the last ones included); #burst: 50 accounts within the last hour.
    steady = [
        {"tag_id": tag_ids["steady"], "hour": hour - h, "account_id": 10_000 + h * 10 + a}
        for h in range(1, 7 * 24)
        for a in range(8 + (h % 3 == 0))
    ]
    burst = [
        {"tag_id": tag_ids["burst"], "hour": hour, "account_id": 20_000 + a} for a in range(50)
    ]
    _add_uses(client, steady + burst)
    client.call(refresh_trends, client.services, now)
    trending = client.get("/api/v1/trends/tags").json()
    names = [t["name"] for t in trending]
    assert names[0] == "burst"
    assert "spam" not in names
    assert "steady" not in names or names.index("steady") > names.index("burst")
    history = trending[0]["history"]
    assert len(history) == 7 and history[0]["accounts"] == "51"  # with the poster
    assert all(isinstance(d["day"], str) and isinstance(d["uses"], str) for d in history)
    assert client.get("/api/v1/trends/tags", params={"offset": 1}).json() == trending[1:]
    assert client.get("/api/v1/trends/links").json() == []


def test_trending_statuses(client: ApiClient) -> None:
    author = client.make_user("author")
    fans = [client.make_user(f"fan{i}") for i in range(3)]
    liked = _post(client, author, "a good one")
    sensitive = _post(client, author, "hidden", sensitive=True, spoiler_text="cw")
    private = _post(client, author, "friends", visibility="private")
    for fan in fans:
        client.post(f"/api/v1/statuses/{liked}/favourite", user=fan)
        client.post(f"/api/v1/statuses/{sensitive}/favourite", user=fan)
    client.post(f"/api/v1/statuses/{liked}/favourite", user=author)  # the author's own: no count
    client.post(f"/api/v1/statuses/{liked}/reblog", user=fans[0])  # same account again
    client.call(refresh_trends, client.services, None)
    found = [s["id"] for s in client.get("/api/v1/trends/statuses").json()]
    assert found == [liked]
    assert private not in found

    async def score() -> float:
        async with client.services.db.read() as conn:
            value = await conn.scalar(sa.select(schema.trending_statuses.c.score))
        return float(value or 0)

    assert 2.9 < client.call(score) <= 3.0


def test_nearby_timeline(client: ApiClient) -> None:
    alice = client.make_user("alice")
    bob = client.make_user("bob")
    here = {"latitude": 48.8566, "longitude": 2.3522}
    paris = _post(client, alice, "paris", location=here)
    close = _post(client, bob, "close", location={"latitude": 48.90, "longitude": 2.40})
    _post(client, alice, "london", location={"latitude": 51.5074, "longitude": -0.1278})
    _post(client, alice, "private paris", location=here, visibility="private")
    _post(client, alice, "nowhere")
    params = {**here, "radius_km": 20}
    found = client.get("/api/v1/timelines/nearby", params=params).json()
    assert [s["id"] for s in found] == [close, paris]
    wide = client.get("/api/v1/timelines/nearby", params={**here, "radius_km": 400}).json()
    assert len(wide) == 3
    first = client.get("/api/v1/timelines/nearby", params={**params, "limit": 1})
    assert [s["id"] for s in first.json()] == [close]
    older = client.get("/api/v1/timelines/nearby", params={**params, "max_id": close}).json()
    assert [s["id"] for s in older] == [paris]
    newer = client.get("/api/v1/timelines/nearby", params={**params, "min_id": paris}).json()
    assert [s["id"] for s in newer] == [close]
    client.post(f"/api/v1/accounts/{bob.sid}/block", user=alice)
    mine = client.get("/api/v1/timelines/nearby", user=alice, params=params).json()
    assert [s["id"] for s in mine] == [paris]
    client.delete(f"/api/v1/statuses/{paris}", user=alice)
    assert client.get("/api/v1/timelines/nearby", user=alice, params=params).json() == []
    bad = client.get("/api/v1/timelines/nearby", params={**here, "radius_km": 0})
    assert bad.status_code == 422
    bad = client.get("/api/v1/timelines/nearby", params={"latitude": 91, "longitude": 0})
    assert bad.status_code == 422


def test_trends_job_is_enqueued_once_per_period(client: ApiClient) -> None:
    jobs = client.services.jobs

    async def pending() -> list[str]:
        async with client.services.db.read() as conn:
            rows = await conn.execute(sa.select(schema.jobs.c.kind))
            return [str(r.kind) for r in rows]

    assert jobs.periodic == {
        "trends_refresh": 300.0,
        "media_sweep": 3600.0,
        "search_recent_index": 600.0,
    }
    client.call(jobs.ensure_periodic)
    client.call(jobs.ensure_periodic)  # a second worker in the same period
    assert sorted(client.call(pending)) == ["media_sweep", "search_recent_index", "trends_refresh"]
    assert client.drain() == 3
    assert client.call(pending) == []
