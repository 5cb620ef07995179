"""Statuses with media: attach rules, rendering everywhere, only_media,
and the files removed with the status."""

from __future__ import annotations

from datetime import UTC, datetime

from roost.db import schema
from roost.statuses.wire import clear_fragments
from tests.helpers import ApiClient, User
from tests.media.support import fetch, jpeg_bytes, media_files, png_bytes, ready_media, upload
from tests.media.test_uploads import count_media
from tests.timelines.support import follow, reblog


def post_with(client: ApiClient, user: User, ids: list[str], text: str = "") -> dict[str, object]:
    response = client.post("/api/v1/statuses", user=user, data={"status": text, "media_ids[]": ids})
    assert response.status_code == 200, response.text
    client.drain()
    body: dict[str, object] = response.json()
    return body


def fake_video(client: ApiClient, user: User) -> str:
    """A processed video row (the video pipeline is tested on its own)."""
    media_id = client.services.ids.next_id()

    async def insert() -> None:
        async with client.services.db.write() as conn:
            await conn.execute(
                schema.media_attachments.insert().values(
                    id=media_id,
                    account_id=user.id,
                    kind="video",
                    state="ready",
                    file_key=f"media/{media_id}/x/original.mp4",
                    preview_key=f"media/{media_id}/x/small.jpg",
                    meta={},
                    created_at=datetime.now(UTC),
                )
            )

    client.call(insert)
    return str(media_id)


def test_status_with_photos_reaches_followers_with_fetchable_files(client: ApiClient) -> None:
    alice, bob = client.make_user("alice"), client.make_user("bob")
    follow(client, bob, alice)
    first = ready_media(client, alice, jpeg_bytes(300, 200), fields={"description": "one"})
    second = ready_media(client, alice, png_bytes(), filename="b.png", content_type="image/png")
    status = post_with(client, alice, [second, first])  # no text: media suffice
    attachments = status["media_attachments"]
    assert isinstance(attachments, list)
    assert [a["id"] for a in attachments] == [second, first]
    home = client.get("/api/v1/timelines/home", user=bob).json()
    assert home[0]["id"] == status["id"]
    shown = home[0]["media_attachments"]
    assert shown == attachments
    assert shown[1]["description"] == "one"
    assert fetch(client, shown[0]["url"]).headers["content-type"] == "image/png"
    assert fetch(client, shown[1]["preview_url"]).headers["content-type"] == "image/jpeg"
    # From the cache and from the database alike (fragments cleared, cache cleared).
    clear_fragments()
    client.call(client.services.cache.clear)
    again = client.get(f"/api/v1/statuses/{status['id']}", user=bob).json()
    assert again["media_attachments"] == attachments
    # A reblog carries the original's attachments.
    reblogged = reblog(client, bob, str(status["id"]))
    page = client.get(f"/api/v1/accounts/{bob.id}/statuses", user=alice).json()
    wrapper = next(s for s in page if s["id"] == reblogged)
    assert wrapper["reblog"]["media_attachments"] == attachments
    # Attached media can be neither edited nor deleted on its own.
    assert (
        client.put(f"/api/v1/media/{first}", user=alice, json={"description": "x"}).status_code
        == 404
    )
    assert client.delete(f"/api/v1/media/{first}", user=alice).status_code == 422


def test_attach_rules(client: ApiClient) -> None:
    alice, bob = client.make_user("alice"), client.make_user("bob")
    photos = [ready_media(client, alice) for _ in range(5)]
    video = fake_video(client, alice)
    bobs = ready_media(client, bob)
    pending = upload(client, alice, jpeg_bytes()).json()["id"]  # not processed yet

    def refused(ids: list[str]) -> str:
        response = client.post(
            "/api/v1/statuses", user=alice, data={"status": "x", "media_ids[]": ids}
        )
        assert response.status_code == 422, response.text
        return str(response.json()["error"])

    assert "At most 4" in refused(photos)
    assert "not yours" in refused([bobs])
    assert "not yours" in refused(["12345"])
    assert "processing" in refused([pending])
    assert "together" in refused([photos[0], video])
    assert "more than once" in refused([photos[0], photos[0]])
    post_with(client, alice, [video], "a video alone is fine")
    post_with(client, alice, photos[:4])
    assert "already attached" in refused([photos[0]])
    assert "already attached" in refused([video])


def test_only_media_timelines(client: ApiClient) -> None:
    alice = client.make_user("alice")
    client.post("/api/v1/statuses", user=alice, data={"status": "words only"})
    with_media = post_with(client, alice, [ready_media(client, alice)], "with a photo")
    path = f"/api/v1/accounts/{alice.id}/statuses"
    assert [s["id"] for s in client.get(path, params={"only_media": "true"}).json()] == [
        with_media["id"]
    ]
    assert len(client.get(path).json()) == 2
    public = client.get("/api/v1/timelines/public", params={"only_media": "true"}).json()
    assert [s["id"] for s in public] == [with_media["id"]]


def test_deleting_the_status_removes_its_files(client: ApiClient) -> None:
    alice = client.make_user("alice")
    status = post_with(client, alice, [ready_media(client, alice), ready_media(client, alice)])
    assert len(media_files(client)) == 4
    deleted = client.delete(f"/api/v1/statuses/{status['id']}", user=alice)
    assert deleted.status_code == 200
    assert len(deleted.json()["media_attachments"]) == 2
    client.drain()
    assert media_files(client) == [] and count_media(client) == 0


def test_unattached_uploads_are_swept_after_a_day(client: ApiClient) -> None:
    from roost.media.service import sweep_unattached

    alice = client.make_user("alice")
    kept = post_with(client, alice, [ready_media(client, alice)])
    ready_media(client, alice)
    assert len(media_files(client)) == 4
    services = client.services

    async def sweep(hours: float) -> int:
        return await sweep_unattached(services, older_than_hours=hours)

    assert client.call(sweep, 24.0) == 0  # too young
    assert client.call(sweep, 0.0) == 1
    client.drain()
    assert len(media_files(client)) == 2 and count_media(client) == 1
    shown = client.get(f"/api/v1/statuses/{kept['id']}").json()
    assert len(shown["media_attachments"]) == 1
