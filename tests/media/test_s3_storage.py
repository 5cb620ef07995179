"""Media on S3-compatible storage (``ROOST_MEDIA_STORAGE=s3``) through the
API, on every database backend: the raw upload goes to the bucket, a job
fetches it back, processes it and stores the results; clients fetch them
from the bucket's URL (not from Roost) with their type and cache headers;
deleting the status deletes the objects. The bucket lives in a real S3 API
server on loopback (moto's standalone server)."""

from __future__ import annotations

import asyncio
import itertools
import os
from collections.abc import Iterator
from pathlib import Path

import httpx2 as httpx
import pytest

from roost.config import Settings
from roost.infra.s3_blobs import CACHE_CONTROL, S3BlobStore
from tests.helpers import ApiClient
from tests.media.conftest import make_clip
from tests.media.support import jpeg_bytes, upload

_buckets = itertools.count()


def bucket_store(settings: Settings) -> S3BlobStore:
    return S3BlobStore(
        bucket=settings.s3_bucket,
        endpoint_url=settings.s3_endpoint_url,
        access_key_id=settings.s3_access_key_id,
        secret_access_key=settings.s3_secret_access_key,
    )


def bucket_keys(settings: Settings) -> list[str]:
    """Every key in the bucket, read with the S3 API itself."""

    async def listing() -> list[str]:
        store = bucket_store(settings)
        try:
            client = await store._get_client()
            found = await client.list_objects_v2(Bucket=settings.s3_bucket)
            return sorted(item["Key"] for item in found.get("Contents", []))
        finally:
            await store.close()

    return asyncio.run(listing())


@pytest.fixture
def s3_settings(settings: Settings, s3_endpoint: str) -> Settings:
    configured = settings.replace(
        media_storage="s3",
        s3_endpoint_url=s3_endpoint,
        s3_bucket=f"roost-{os.getpid()}-{next(_buckets)}",
        s3_access_key_id="test",
        s3_secret_access_key="test",
    )

    async def create() -> None:
        store = bucket_store(configured)
        try:
            await store.ensure_bucket()
        finally:
            await store.close()

    asyncio.run(create())
    return configured


@pytest.fixture
def s3_client(s3_settings: Settings) -> Iterator[ApiClient]:
    with ApiClient.start(s3_settings) as api:
        yield api


def test_photos_and_videos_live_in_the_bucket(
    s3_client: ApiClient, s3_settings: Settings, tmp_path: Path
) -> None:
    client = s3_client
    alice = client.make_user("alice")
    photo = upload(client, alice, jpeg_bytes(800, 400, gps=True))
    clip = make_clip(tmp_path / "clip.mp4", seconds=1.0)
    video = upload(client, alice, clip.read_bytes(), filename="clip.mp4", content_type="video/mp4")
    assert photo.status_code == video.status_code == 202
    # The raw uploads wait in the bucket, where any worker can fetch them.
    assert any(key.startswith("uploads/") for key in bucket_keys(s3_settings))
    assert client.drain() >= 2

    bucket_url = f"{s3_settings.s3_endpoint_url}/{s3_settings.s3_bucket}/"
    fetched: dict[str, httpx.Response] = {}
    ids = []
    for accepted, kind in ((photo, "image"), (video, "video")):
        done = client.get(f"/api/v1/media/{accepted.json()['id']}", user=alice)
        assert done.status_code == 200, done.text
        body = done.json()
        assert body["type"] == kind
        ids.append(body["id"])
        for name in ("url", "preview_url"):
            assert body[name].startswith(bucket_url), body[name]
            fetched[f"{kind} {name}"] = httpx.get(body[name], timeout=30)
    types = {label: r.headers["content-type"] for label, r in fetched.items()}
    assert types == {
        "image url": "image/jpeg",
        "image preview_url": "image/jpeg",
        "video url": "video/mp4",
        "video preview_url": "image/jpeg",
    }
    for response in fetched.values():
        assert response.status_code == 200
        assert response.headers["cache-control"] == CACHE_CONTROL
    assert b"PhoneMaker" not in fetched["image url"].content  # metadata stripped
    # Processed: only the published files remain, no raw upload.
    assert not any(key.startswith("uploads/") for key in bucket_keys(s3_settings))

    posted = client.post("/api/v1/statuses", user=alice, json={"status": "", "media_ids": ids[:1]})
    assert posted.status_code == 200, posted.text
    photo_url = posted.json()["media_attachments"][0]["url"]
    assert client.delete(f"/api/v1/statuses/{posted.json()['id']}", user=alice).status_code == 200
    client.drain()
    assert httpx.get(photo_url, timeout=30).status_code in (403, 404)
    remaining = bucket_keys(s3_settings)
    assert remaining and all(key.startswith(f"media/{ids[1]}/") for key in remaining)
