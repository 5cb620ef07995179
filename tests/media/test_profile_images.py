"""Avatars and headers through update_credentials (multipart)."""

from __future__ import annotations

import io

from PIL import Image

from tests.helpers import ApiClient, User
from tests.media.support import fetch, gif_bytes, jpeg_bytes, media_files


def update(client: ApiClient, user: User, **files: tuple[str, bytes, str]) -> dict[str, object]:
    response = client.patch(
        "/api/v1/accounts/update_credentials",
        user=user,
        data={"display_name": "Alice", "source[privacy]": "unlisted"},
        files=files,
    )
    assert response.status_code == 200, response.text
    client.drain()
    me = client.get("/api/v1/accounts/verify_credentials", user=user).json()
    assert isinstance(me, dict)
    return me


def test_avatar_and_header_are_cropped_stripped_and_served(client: ApiClient) -> None:
    alice = client.make_user("alice")
    me = update(
        client,
        alice,
        avatar=("me.jpg", jpeg_bytes(800, 600, gps=True), "image/jpeg"),
        header=("wide.jpg", jpeg_bytes(3000, 1000), "image/jpeg"),
    )
    assert me["display_name"] == "Alice" and me["source"]["privacy"] == "unlisted"  # type: ignore[index]
    avatar = fetch(client, str(me["avatar"]))
    assert avatar.headers["content-type"] == "image/jpeg"
    picture = Image.open(io.BytesIO(avatar.content))
    assert picture.size == (400, 400) and not picture.getexif()
    assert me["avatar_static"] == me["avatar"]
    header = Image.open(io.BytesIO(fetch(client, str(me["header"])).content))
    assert header.size == (1500, 500)
    assert len(media_files(client)) == 2
    # A new avatar replaces the old one, whose file goes.
    again = update(client, alice, avatar=("me.png", jpeg_bytes(200, 200), "image/jpeg"))
    assert again["avatar"] != me["avatar"] and again["header"] == me["header"]
    client.drain()
    assert len(media_files(client)) == 2


def test_animated_avatar_keeps_moving_with_a_still(client: ApiClient) -> None:
    alice = client.make_user("alice")
    me = update(client, alice, avatar=("a.gif", gif_bytes(4), "image/gif"))
    moving = fetch(client, str(me["avatar"]))
    assert moving.headers["content-type"] == "image/gif"
    assert getattr(Image.open(io.BytesIO(moving.content)), "n_frames", 1) == 4
    still = fetch(client, str(me["avatar_static"]))
    assert still.headers["content-type"] == "image/png"
    # Followers see the same in statuses (the account entity everywhere).
    posted = client.post("/api/v1/statuses", user=alice, data={"status": "hi"}).json()
    assert posted["account"]["avatar_static"] == me["avatar_static"]


def test_a_bad_avatar_changes_nothing(client: ApiClient) -> None:
    alice = client.make_user("alice")
    response = client.patch(
        "/api/v1/accounts/update_credentials",
        user=alice,
        data={"display_name": "Changed"},
        files={"avatar": ("x.jpg", b"not an image at all, just text", "image/jpeg")},
    )
    assert response.status_code == 422
    me = client.get("/api/v1/accounts/verify_credentials", user=alice).json()
    assert me["display_name"] != "Changed"
    assert "avatar-missing" in me["avatar"]
    assert media_files(client) == []
