"""Uploading photos: processing in a job, what is stored, what is served."""

from __future__ import annotations

import io

import sqlalchemy as sa
from PIL import Image

from roost.db import schema
from tests.helpers import ApiClient
from tests.media.support import fetch, gif_bytes, jpeg_bytes, media_files, png_bytes, upload


def count_media(client: ApiClient) -> int:
    async def count() -> int:
        async with client.services.db.read(primary=True) as conn:
            found = await conn.execute(
                sa.select(sa.func.count()).select_from(schema.media_attachments)
            )
            return int(found.scalar_one())

    return client.call(count)


def test_photo_is_processed_by_a_job_and_served(client: ApiClient) -> None:
    alice = client.make_user("alice")
    response = upload(client, alice, jpeg_bytes(800, 400), fields={"description": "a flag"})
    # No worker in this process: accepted, processed later.
    assert response.status_code == 202, response.text
    accepted = response.json()
    assert accepted["url"] is None and accepted["type"] == "image"
    media_id = accepted["id"]
    assert client.get(f"/api/v1/media/{media_id}", user=alice).status_code == 206
    assert client.drain() >= 1
    done = client.get(f"/api/v1/media/{media_id}", user=alice)
    assert done.status_code == 200, done.text
    body = done.json()
    assert body["description"] == "a flag"
    assert body["meta"]["original"] == {
        "width": 800,
        "height": 400,
        "size": "800x400",
        "aspect": 2.0,
    }
    assert body["meta"]["small"]["width"] == 640 and body["meta"]["small"]["height"] == 320
    assert body["meta"]["focus"] == {"x": 0.0, "y": 0.0}
    assert body["blurhash"] and len(body["blurhash"]) >= 6
    original = fetch(client, body["url"])
    assert original.status_code == 200
    assert original.headers["content-type"] == "image/jpeg"
    assert "immutable" in original.headers["cache-control"]
    assert Image.open(io.BytesIO(original.content)).size == (800, 400)
    preview = fetch(client, body["preview_url"])
    assert preview.headers["content-type"] == "image/jpeg"
    assert Image.open(io.BytesIO(preview.content)).size == (640, 320)
    # Only the processed files remain (the raw upload is gone).
    assert len(media_files(client)) == 2
    # Someone else sees nothing.
    bob = client.make_user("bob")
    assert client.get(f"/api/v1/media/{media_id}", user=bob).status_code == 404


def test_gps_and_every_exif_block_are_stripped_and_orientation_applied(
    client: ApiClient,
) -> None:
    alice = client.make_user("alice")
    photo = jpeg_bytes(80, 40, gps=True, orientation=6)
    assert b"PhoneMaker" in photo and Image.open(io.BytesIO(photo)).getexif().get_ifd(0x8825)
    media_id = upload(client, alice, photo).json()["id"]
    client.drain()
    body = client.get(f"/api/v1/media/{media_id}", user=alice).json()
    stored = fetch(client, body["url"]).content
    for blob in (stored, fetch(client, body["preview_url"]).content):
        assert b"Exif" not in blob and b"PhoneMaker" not in blob
        image = Image.open(io.BytesIO(blob))
        assert not image.getexif()
        assert "exif" not in image.info and "icc_profile" not in image.info
    # Orientation 6 turns the 80x40 picture a quarter: 40x80, blue half on top.
    turned = Image.open(io.BytesIO(stored)).convert("RGB")
    assert turned.size == (40, 80)
    assert body["meta"]["original"]["size"] == "40x80"
    red, _, blue = turned.getpixel((20, 10))  # type: ignore[misc]
    assert blue > 150 and red < 100


def test_large_photo_is_resized_and_png_stays_png(client: ApiClient) -> None:
    alice = client.make_user("alice")
    big = upload(client, alice, jpeg_bytes(5000, 1000)).json()["id"]
    png = upload(client, alice, png_bytes(alpha=True), filename="x.png", content_type="image/png")
    client.drain()
    meta = client.get(f"/api/v1/media/{big}", user=alice).json()["meta"]
    assert meta["original"]["width"] == 3840 and meta["original"]["height"] == 768
    body = client.get(f"/api/v1/media/{png.json()['id']}", user=alice).json()
    served = fetch(client, body["url"])
    assert served.headers["content-type"] == "image/png"
    assert Image.open(io.BytesIO(served.content)).mode == "RGBA"


def test_range_requests_and_revalidation(client: ApiClient) -> None:
    alice = client.make_user("alice")
    media_id = upload(client, alice, jpeg_bytes()).json()["id"]
    client.drain()
    url = client.get(f"/api/v1/media/{media_id}", user=alice).json()["url"]
    whole = fetch(client, url)
    path = url.removeprefix("http://testserver")
    part = client.http.get(path, headers={"Range": "bytes=0-9"})
    assert part.status_code == 206 and part.content == whole.content[:10]
    assert part.headers["content-range"] == f"bytes 0-9/{len(whole.content)}"
    beyond = client.http.get(path, headers={"Range": f"bytes={len(whole.content) + 10}-"})
    assert beyond.status_code == 416
    again = client.http.get(path, headers={"If-None-Match": whole.headers["etag"]})
    assert again.status_code == 304
    assert whole.headers["last-modified"]
    # Raw uploads, other paths and traversal are never served.
    for bad in ("uploads/1/x/file", "media/../../roost.db", "media/%2e%2e/x.jpg", "x.jpg"):
        assert client.http.get(f"/system/media/{bad}").status_code == 404


def test_update_description_focus_and_delete(client: ApiClient) -> None:
    alice = client.make_user("alice")
    media_id = upload(client, alice, jpeg_bytes()).json()["id"]
    client.drain()
    changed = client.put(
        f"/api/v1/media/{media_id}", user=alice, json={"description": "new", "focus": "0.5,-0.25"}
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["description"] == "new"
    assert changed.json()["meta"]["focus"] == {"x": 0.5, "y": -0.25}
    bad = client.put(f"/api/v1/media/{media_id}", user=alice, json={"focus": "2,0"})
    assert bad.status_code == 422
    # A custom thumbnail replaces the preview.
    thumb = client.put(
        f"/api/v1/media/{media_id}",
        user=alice,
        files={"thumbnail": ("t.png", png_bytes(30, 90), "image/png")},
    )
    assert thumb.status_code == 200, thumb.text
    client.drain()
    body = client.get(f"/api/v1/media/{media_id}", user=alice).json()
    assert body["meta"]["small"]["size"] == "30x90"
    assert len(media_files(client)) == 2
    bob = client.make_user("bob")
    assert client.delete(f"/api/v1/media/{media_id}", user=bob).status_code == 404
    assert client.delete(f"/api/v1/media/{media_id}", user=alice).status_code == 200
    client.drain()
    assert media_files(client) == [] and count_media(client) == 0
    assert client.get(f"/api/v1/media/{media_id}", user=alice).status_code == 404


def test_static_gif_is_an_image(client: ApiClient) -> None:
    alice = client.make_user("alice")
    media_id = upload(client, alice, gif_bytes(1), filename="a.gif", content_type="image/gif")
    client.drain()
    body = client.get(f"/api/v1/media/{media_id.json()['id']}", user=alice).json()
    assert body["type"] == "image"


def test_a_colour_profile_is_applied_then_dropped(client: ApiClient) -> None:
    from PIL import ImageCms

    alice = client.make_user("alice")
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    out = io.BytesIO()
    Image.new("RGB", (50, 40), (10, 120, 240)).save(out, "JPEG", icc_profile=profile)
    media_id = upload(client, alice, out.getvalue()).json()["id"]
    client.drain()
    body = client.get(f"/api/v1/media/{media_id}", user=alice).json()
    stored = Image.open(io.BytesIO(fetch(client, body["url"]).content))
    assert "icc_profile" not in stored.info
    red, green, blue = stored.convert("RGB").getpixel((25, 20))  # type: ignore[misc]
    assert abs(red - 10) < 12 and abs(green - 120) < 12 and abs(blue - 240) < 12
