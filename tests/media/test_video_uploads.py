"""Videos and animated GIFs through the API (real ffmpeg in the job)."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import ApiClient
from tests.media.conftest import make_clip, make_gif
from tests.media.support import fetch, upload
from tests.media.test_statuses import post_with


def test_video_and_gif_are_transcoded_with_a_poster(client: ApiClient, tmp_path: Path) -> None:
    alice = client.make_user("alice")
    clip = make_clip(tmp_path / "clip.mp4", seconds=1.0)
    gif = make_gif(tmp_path / "anim.gif")
    sent = upload(client, alice, clip.read_bytes(), filename="c.mp4", content_type="video/mp4")
    assert sent.status_code == 202 and sent.json()["type"] == "video"
    animated = upload(client, alice, gif.read_bytes(), filename="a.gif", content_type="image/gif")
    client.drain()
    video = client.get(f"/api/v1/media/{sent.json()['id']}", user=alice).json()
    assert video["type"] == "video"
    assert video["meta"]["original"]["width"] == 320
    assert 0.9 <= video["meta"]["original"]["duration"] <= 1.1
    assert video["meta"]["small"]["width"] == 320
    served = fetch(client, video["url"])
    assert served.headers["content-type"] == "video/mp4"
    assert served.content[4:8] == b"ftyp"
    assert fetch(client, video["preview_url"]).headers["content-type"] == "image/jpeg"
    gifv = client.get(f"/api/v1/media/{animated.json()['id']}", user=alice).json()
    assert gifv["type"] == "gifv"
    assert fetch(client, gifv["url"]).headers["content-type"] == "video/mp4"
    status = post_with(client, alice, [video["id"]])
    assert status["media_attachments"] == [video]


def test_a_file_that_only_looks_like_a_video_fails_with_a_reason(
    client: ApiClient, tmp_path: Path
) -> None:
    alice = client.make_user("alice")
    fake = b"\x00\x00\x00\x18ftypisom" + b"\x00" * 5_000
    sent = upload(client, alice, fake, filename="v.mp4", content_type="video/mp4")
    assert sent.status_code == 202
    client.drain()
    failed = client.get(f"/api/v1/media/{sent.json()['id']}", user=alice)
    assert failed.status_code == 422
    assert failed.json()["error"]
