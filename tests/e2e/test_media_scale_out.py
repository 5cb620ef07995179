"""End to end at scale: photos and videos through Mastodon.py against a
served app on PostgreSQL and Redis with media in an S3 bucket (a real S3 API
server on loopback), processed by a SEPARATE `roost worker` process. The
follower reads the post on its home timeline and fetches the files from the
bucket, not from Roost: their types are right, the photo lost its GPS
position, the video is H.264 in MP4."""

from __future__ import annotations

import asyncio
import io
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
from PIL import Image

from roost.infra.s3_blobs import S3BlobStore
from tests import pg_admin as admin
from tests.conftest import PG_ADMIN_URL, PG_HOST, PG_PORT, REDIS_URL
from tests.e2e.clients import eventually, sign_up
from tests.helpers import CHEAP_PASSWORD_HASHING_ENV
from tests.media.conftest import make_clip
from tests.media.support import jpeg_bytes
from tests.media.test_video import ffprobe_json
from tests.served import served_roost
from tests.streaming.test_scale_out import worker

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(90)]

GPS_IFD = 0x8825


@pytest.fixture
def media_scale_out_env(
    pg_database_url: str, redis_key_prefix: str, s3_endpoint: str
) -> Iterator[dict[str, str]]:
    name = f"roost_media_{os.getpid()}"
    bucket = f"roost-scale-out-{os.getpid()}"
    admin.recreate_database(PG_ADMIN_URL, name)

    async def create_bucket() -> None:
        store = S3BlobStore(
            bucket=bucket, endpoint_url=s3_endpoint, access_key_id="test", secret_access_key="test"
        )
        try:
            await store.ensure_bucket()
        finally:
            await store.close()

    asyncio.run(create_bucket())
    yield {
        "ROOST_DATABASE_URL": f"postgresql://postgres@{PG_HOST}:{PG_PORT}/{name}",
        "ROOST_REDIS_URL": REDIS_URL,
        "ROOST_REDIS_KEY_PREFIX": redis_key_prefix + "media-scale-out:",
        "ROOST_RUN_WORKERS": "false",
        "ROOST_RATE_LIMITS": "false",
        "ROOST_MEDIA_STORAGE": "s3",
        "ROOST_S3_ENDPOINT_URL": s3_endpoint,
        "ROOST_S3_BUCKET": bucket,
        "ROOST_S3_ACCESS_KEY_ID": "test",
        "ROOST_S3_SECRET_ACCESS_KEY": "test",
        **CHEAP_PASSWORD_HASHING_ENV,
    }
    admin.drop_database(PG_ADMIN_URL, name)


def _from_bucket(url: str, bucket_base: str, content_type: str) -> bytes:
    assert url.startswith(bucket_base + "/"), url  # served by the bucket, not by Roost
    response = httpx.get(url, timeout=10)
    assert response.status_code == 200, url
    assert response.headers["content-type"] == content_type
    return response.content


def test_media_with_separate_workers_on_postgresql_redis_and_s3(
    tmp_path: Path, media_scale_out_env: dict[str, str]
) -> None:
    env = media_scale_out_env
    bucket_base = f"{env['ROOST_S3_ENDPOINT_URL']}/{env['ROOST_S3_BUCKET']}"
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(jpeg_bytes(800, 600, gps=True))
    assert Image.open(photo).getexif().get_ifd(GPS_IFD)  # the upload does carry GPS
    clip = make_clip(tmp_path / "clip.mp4", seconds=1.0)
    with served_roost(tmp_path, env=env) as (port, _), worker(tmp_path, env):
        base = f"http://127.0.0.1:{port}"
        alice = sign_up(base, "alice")
        bob = sign_up(base, "bob")
        bob.account_follow(alice.account_verify_credentials()["id"])
        image = alice.media_post(str(photo), description="where was this?")
        video = alice.media_post(str(clip))
        assert (image["type"], video["type"]) == ("image", "video")

        # Poll GET /api/v1/media/:id as a client waits (Mastodon.py's own
        # synchronous wait sleeps 5 s a poll) until the worker is done.
        def processed() -> list[dict[str, Any]]:
            both = [alice.media(image["id"]), alice.media(video["id"])]
            return both if all(m["url"] for m in both) else []

        assert eventually(processed, timeout=20.0), "the worker never processed the uploads"
        # (a video goes alone in its status, as on Mastodon)
        with_photo = alice.status_post("a photo", media_ids=[image])
        with_video = alice.status_post("a clip", media_ids=[video])
        posted = {with_photo["id"], with_video["id"]}

        def in_home() -> list[dict[str, Any]]:
            return [s for s in bob.timeline_home() if s["id"] in posted]

        found = eventually(lambda: len(in_home()) == 2 and in_home(), timeout=15.0)
        assert found, "the posts never reached the follower's home timeline"
        by_id = {s["id"]: s["media_attachments"] for s in found}
        (shown_image,) = by_id[with_photo["id"]]
        (shown_video,) = by_id[with_video["id"]]
        assert (shown_image["id"], shown_video["id"]) == (image["id"], video["id"])

        original = Image.open(
            io.BytesIO(_from_bucket(shown_image["url"], bucket_base, "image/jpeg"))
        )
        assert original.size == (800, 600)
        assert not original.getexif().get_ifd(GPS_IFD) and not original.getexif()
        preview = _from_bucket(shown_image["preview_url"], bucket_base, "image/jpeg")
        assert max(Image.open(io.BytesIO(preview)).size) <= 640
        assert shown_image["description"] == "where was this?"

        mp4 = tmp_path / "fetched.mp4"
        mp4.write_bytes(_from_bucket(shown_video["url"], bucket_base, "video/mp4"))
        probed = ffprobe_json(mp4)
        assert "mp4" in probed["format"]["format_name"]
        codecs = {s["codec_type"]: s["codec_name"] for s in probed["streams"]}
        assert codecs["video"] == "h264"
        poster = _from_bucket(shown_video["preview_url"], bucket_base, "image/jpeg")
        assert Image.open(io.BytesIO(poster)).size[0] > 0
        assert shown_video["meta"]["original"]["width"] == 320
