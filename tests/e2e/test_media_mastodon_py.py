"""End to end: photos through Mastodon.py against `roost serve` (embedded
default: SQLite, local files, workers in the app process)."""

from __future__ import annotations

import io
from pathlib import Path

import httpx2 as httpx
import pytest
from PIL import Image

from tests.e2e.clients import eventually, sign_up
from tests.media.conftest import make_clip
from tests.media.support import gif_bytes, jpeg_bytes, png_bytes

pytestmark = pytest.mark.e2e


def _image(url: str, content_type: str) -> Image.Image:
    response = httpx.get(url, timeout=10)
    assert response.status_code == 200
    assert response.headers["content-type"] == content_type
    return Image.open(io.BytesIO(response.content))


def test_photos_with_mastodon_py(server: str, tmp_path: Path) -> None:
    alice = sign_up(server, "alice")
    bob = sign_up(server, "bob")
    bob.account_follow(alice.account_verify_credentials()["id"])

    photo = tmp_path / "photo.jpg"
    photo.write_bytes(jpeg_bytes(1200, 900, gps=True))
    jpeg = alice.media_post(str(photo), description="a photo", synchronous=True)
    assert jpeg["type"] == "image" and jpeg["url"]
    png = alice.media_post(io.BytesIO(png_bytes()), mime_type="image/png", synchronous=True)
    posted = alice.status_post("", media_ids=[jpeg, png])
    assert [m["id"] for m in posted["media_attachments"]] == [jpeg["id"], png["id"]]

    def in_home() -> list[dict[str, object]]:
        return [s for s in bob.timeline_home() if s["id"] == posted["id"]]

    found = eventually(in_home)
    assert found, "the post never reached the follower's home timeline"
    attachments = found[0]["media_attachments"]
    original = _image(attachments[0]["url"], "image/jpeg")
    assert original.size == (1200, 900) and not original.getexif()
    assert max(_image(attachments[0]["preview_url"], "image/jpeg").size) == 640
    assert _image(attachments[1]["url"], "image/png").size == (60, 60)
    assert attachments[0]["description"] == "a photo"


def test_animated_gif_and_video_with_mastodon_py(server: str, tmp_path: Path) -> None:
    alice = sign_up(server, "alice")
    gif = alice.media_post(io.BytesIO(gif_bytes(6)), mime_type="image/gif", synchronous=True)
    assert gif["type"] == "gifv"
    assert httpx.get(gif["url"], timeout=10).headers["content-type"] == "video/mp4"
    posted = alice.status_post("", media_ids=[gif])
    assert posted["media_attachments"][0]["type"] == "gifv"
    clip = make_clip(tmp_path / "clip.mp4", seconds=1.0)
    video = alice.media_post(str(clip), synchronous=True)
    assert video["type"] == "video" and video["url"].endswith(".mp4")
    _image(video["preview_url"], "image/jpeg")
    posted = alice.status_post("a clip", media_ids=[video])
    assert posted["media_attachments"][0]["meta"]["original"]["width"] == 320
