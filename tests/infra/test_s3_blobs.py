"""The S3 blob store against a real S3 API server on loopback (moto's
standalone server, started by the ``s3_endpoint`` fixture): objects go over
HTTP through the real client, and are fetched back over plain HTTP from
the URLs the store hands out, as a browser would.

The protocol under test (shared with the local store)::

    async def put_file(self, key: str, path: Path, *, content_type: str) -> None
    async def put_bytes(self, key: str, data: bytes, *, content_type: str) -> None
    async def get_to_file(self, key: str, path: Path) -> None  # BlobMissing if absent
    async def delete(self, keys: Sequence[str]) -> None  # absent keys ignored
    def url(self, key: str) -> str
    async def close(self) -> None
"""

from __future__ import annotations

import itertools
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING

import httpx2 as httpx
import pytest

from roost.config import Settings
from roost.infra import s3_blobs
from roost.infra.blobs import BlobMissing, BlobStore, LocalBlobStore
from roost.infra.s3_blobs import CACHE_CONTROL, S3BlobStore, build_s3_blob_store
from roost.services import build_services

if TYPE_CHECKING:
    from types_aiobotocore_s3.type_defs import GetObjectAclOutputTypeDef

pytestmark = pytest.mark.anyio
_buckets = itertools.count()
MiB = 1024 * 1024


@pytest.fixture
async def store(s3_endpoint: str) -> AsyncIterator[S3BlobStore]:
    """A store on a fresh bucket of the session's S3 server."""
    blobs = S3BlobStore(
        bucket=f"media-{os.getpid()}-{next(_buckets)}",
        endpoint_url=s3_endpoint,
        access_key_id="test",
        secret_access_key="test",
        part_size=5 * MiB,
    )
    await blobs.ensure_bucket()
    try:
        yield blobs
    finally:
        await blobs.close()


async def fetch(url: str) -> httpx.Response:
    async with httpx.AsyncClient(timeout=30) as http:
        return await http.get(url)


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def read(path: Path) -> bytes:
    return path.read_bytes()


def make_dir(path: Path) -> Path:
    path.mkdir()
    return path


def leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


async def test_bytes_round_trip_and_are_served_with_type_and_cache_headers(
    store: S3BlobStore, tmp_path: Path
) -> None:
    data = b"\x89PNG\r\n\x1a\n" + os.urandom(1000)
    await store.put_bytes("media/1/original.png", data, content_type="image/png")
    await store.get_to_file("media/1/original.png", tmp_path / "copy.png")
    assert read(tmp_path / "copy.png") == data
    response = await fetch(store.url("media/1/original.png"))
    assert response.status_code == 200
    assert response.content == data
    assert response.headers["content-type"] == "image/png"
    assert response.headers["cache-control"] == CACHE_CONTROL


async def test_a_large_file_goes_up_in_parts(store: S3BlobStore, tmp_path: Path) -> None:
    data = os.urandom(12 * MiB + 123)
    source = write(tmp_path / "video.mp4", data)
    await store.put_file("media/2/original.mp4", source, content_type="video/mp4")
    response = await fetch(store.url("media/2/original.mp4"))
    assert response.status_code == 200
    assert response.headers["content-type"] == "video/mp4"
    assert int(response.headers["content-length"]) == len(data)
    # A multipart object's ETag ends in the number of its parts.
    assert response.headers["etag"].strip('"').endswith("-3")
    await store.get_to_file("media/2/original.mp4", tmp_path / "back.mp4")
    assert read(tmp_path / "back.mp4") == data


async def test_a_small_file_goes_up_in_one_request(store: S3BlobStore, tmp_path: Path) -> None:
    source = write(tmp_path / "small.jpg", b"\xff\xd8\xff" + os.urandom(5000))
    await store.put_file("media/3/small.jpg", source, content_type="image/jpeg")
    response = await fetch(store.url("media/3/small.jpg"))
    assert response.headers["content-type"] == "image/jpeg"
    assert "-" not in response.headers["etag"]
    assert response.content == read(source)


async def test_a_missing_key_raises_and_leaves_no_file(store: S3BlobStore, tmp_path: Path) -> None:
    target = make_dir(tmp_path / "out")
    with pytest.raises(BlobMissing):
        await store.get_to_file("media/absent/original.jpg", target / "x.jpg")
    assert leftovers(target) == []


async def test_delete_removes_objects_in_batches_and_ignores_absent_keys(
    store: S3BlobStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    keys = [f"media/4/{n}.jpg" for n in range(5)]
    for key in keys:
        await store.put_bytes(key, key.encode(), content_type="image/jpeg")
    monkeypatch.setattr(s3_blobs, "DELETE_BATCH", 2)
    await store.delete([*keys[:4], "media/4/never-stored.jpg", keys[0]])
    for key in keys[:4]:
        with pytest.raises(BlobMissing):
            await store.get_to_file(key, tmp_path / "x")
        assert (await fetch(store.url(key))).status_code in (403, 404)
    await store.get_to_file(keys[4], tmp_path / "kept")
    assert read(tmp_path / "kept") == keys[4].encode()
    await store.delete([])


async def test_objects_are_public_read_unless_the_acl_is_turned_off(
    s3_endpoint: str, store: S3BlobStore
) -> None:
    await store.put_bytes("media/5/a.jpg", b"a", content_type="image/jpeg")
    private = S3BlobStore(
        bucket=store.bucket,
        endpoint_url=s3_endpoint,
        access_key_id="test",
        secret_access_key="test",
        acl="",
    )
    try:
        await private.put_bytes("media/5/b.jpg", b"b", content_type="image/jpeg")
        client = await store._get_client()
        public = await client.get_object_acl(Bucket=store.bucket, Key="media/5/a.jpg")
        plain = await client.get_object_acl(Bucket=store.bucket, Key="media/5/b.jpg")
    finally:
        await private.close()

    def readers(acl: GetObjectAclOutputTypeDef) -> set[str]:
        grants = acl["Grants"]
        return {g["Grantee"].get("URI", "") for g in grants if g["Permission"] == "READ"}

    assert any(uri.endswith("/global/AllUsers") for uri in readers(public))
    assert not any(uri.endswith("/global/AllUsers") for uri in readers(plain))


async def test_a_store_can_be_closed_and_used_again(store: S3BlobStore, tmp_path: Path) -> None:
    await store.put_bytes("media/6/a.txt", b"one", content_type="text/plain")
    await store.close()
    await store.get_to_file("media/6/a.txt", tmp_path / "a.txt")
    assert read(tmp_path / "a.txt") == b"one"


def test_urls_point_at_the_cdn_the_endpoint_or_aws() -> None:
    cdn = S3BlobStore(bucket="b", endpoint_url="http://s3:9000", public_base_url="https://cdn/")
    assert cdn.url("media/1/a.jpg") == "https://cdn/media/1/a.jpg"
    minio = S3BlobStore(bucket="b", endpoint_url="http://s3:9000/")
    assert minio.url("media/1/a.jpg") == "http://s3:9000/b/media/1/a.jpg"
    aws = S3BlobStore(bucket="b", region="eu-west-3")
    assert aws.url("media/1/a.jpg") == "https://b.s3.eu-west-3.amazonaws.com/media/1/a.jpg"


@pytest.mark.parametrize("key", ["../etc/passwd", "/abs", "a//b", "a/../b", "", "a/.hidden", "a b"])
async def test_keys_outside_the_alphabet_are_refused(key: str) -> None:
    store = S3BlobStore(bucket="b", endpoint_url="http://127.0.0.1:9")
    with pytest.raises(ValueError, match="invalid blob key"):
        store.url(key)
    with pytest.raises(ValueError, match="invalid blob key"):
        await store.put_bytes(key, b"x", content_type="text/plain")
    with pytest.raises(ValueError, match="invalid blob key"):
        await store.delete(["ok/key", key])


def test_built_from_the_settings() -> None:
    settings = Settings.from_env(
        {
            "ROOST_MEDIA_STORAGE": "s3",
            "ROOST_S3_ENDPOINT_URL": "http://minio:9000",
            "ROOST_S3_BUCKET": "roost-media",
            "ROOST_S3_REGION": "eu-central-1",
            "ROOST_S3_ACCESS_KEY_ID": "key",
            "ROOST_S3_SECRET_ACCESS_KEY": "secret",
            "ROOST_S3_ACL": "",
            "ROOST_MEDIA_PUBLIC_URL": "https://media.example.org",
        }
    )
    store: BlobStore = build_s3_blob_store(settings)
    assert isinstance(store, S3BlobStore)
    assert (store.bucket, store.region, store.acl) == ("roost-media", "eu-central-1", "")
    assert store.url("media/x.jpg") == "https://media.example.org/media/x.jpg"
    # Without a public URL the store's URLs and the rendered ones (from the
    # settings) both point at the bucket.
    for changes, bucket_url in [
        ({"media_public_url": ""}, "http://minio:9000/roost-media"),
        (
            {"media_public_url": "", "s3_endpoint_url": ""},
            "https://roost-media.s3.eu-central-1.amazonaws.com",
        ),
    ]:
        changed = settings.replace(**changes)
        assert changed.media_base_url == bucket_url
        assert build_s3_blob_store(changed).url("m/a.jpg") == f"{bucket_url}/m/a.jpg"
    with pytest.raises(ValueError, match="ROOST_S3_BUCKET"):
        build_s3_blob_store(Settings(media_storage="s3"))
    with pytest.raises(ValueError, match="ROOST_MEDIA_STORAGE"):
        Settings(media_storage="ftp")


async def test_media_storage_s3_selects_the_s3_store(tmp_path: Path) -> None:
    services = build_services(
        Settings(
            data_dir=tmp_path,
            media_storage="s3",
            s3_bucket="roost-media",
            s3_endpoint_url="http://127.0.0.1:9",
        )
    )
    try:
        store: BlobStore = services.blobs  # the protocol, checked by mypy too
        assert isinstance(store, S3BlobStore)
        assert store.url("media/a.jpg") == "http://127.0.0.1:9/roost-media/media/a.jpg"
    finally:
        await services.close()
    local = build_services(Settings(data_dir=tmp_path))
    try:
        assert isinstance(local.blobs, LocalBlobStore)
    finally:
        await local.close()
