"""Blob storage on S3-compatible object storage (AWS S3, MinIO, Ceph, R2...).

The scale-out backend of the blob store; it implements the same small
protocol as the local directory (``roost.infra.blobs.BlobStore``), with
the same key rules and ``BlobMissing``::

    async def put_file(self, key: str, path: Path, *, content_type: str) -> None
    async def put_bytes(self, key: str, data: bytes, *, content_type: str) -> None
    async def get_to_file(self, key: str, path: Path) -> None  # BlobMissing if absent
    async def delete(self, keys: Sequence[str]) -> None  # absent keys ignored
    def url(self, key: str) -> str
    async def close(self) -> None

Objects are written with their Content-Type and a year-long, immutable
Cache-Control (a key is never reused for other bytes: a new upload gets a
new key), and with the canned ACL ``public-read`` where the provider has
ACLs (``ROOST_S3_ACL``; empty for buckets whose ACLs are disabled, which
then need a bucket policy granting public reads). Clients fetch media
straight from the bucket or from a CDN in front of it
(``ROOST_MEDIA_PUBLIC_URL``), never through Roost.

Files larger than one part (8 MiB) are sent as a multipart upload, part by
part, so memory stays bounded whatever the size; a failed upload is
aborted, leaving nothing behind. Downloads stream to a temporary file
beside the destination, renamed into place when complete.

The client (aiobotocore) is created on first use and released by
``close()``.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO
from urllib.parse import quote

from aiobotocore.config import AioConfig
from aiobotocore.session import get_session
from botocore.exceptions import ClientError

from roost.config import Settings
from roost.infra.blobs import BlobMissing, check_key

if TYPE_CHECKING:
    from types_aiobotocore_s3 import S3Client
    from types_aiobotocore_s3.type_defs import CompletedPartTypeDef

# Parts of a multipart upload (S3's minimum is 5 MiB, except the last one).
PART_SIZE = 8 * 1024 * 1024
# Keys per DeleteObjects request (S3's maximum).
DELETE_BATCH = 1000
CACHE_CONTROL = "public, max-age=31536000, immutable"
_READ_CHUNK = 1024 * 1024
_MISSING_CODES = frozenset({"NoSuchKey", "404", "NotFound"})


class BlobStoreError(Exception):
    """The object store refused an operation (other than a missing key)."""


class S3BlobStore:
    """Blobs as objects of one bucket."""

    def __init__(
        self,
        *,
        bucket: str,
        endpoint_url: str = "",
        region: str = "us-east-1",
        access_key_id: str = "",
        secret_access_key: str = "",
        public_base_url: str = "",
        acl: str = "public-read",
        part_size: int = PART_SIZE,
    ) -> None:
        if not bucket:
            raise ValueError("ROOST_S3_BUCKET is required for S3 media storage")
        if part_size < 5 * 1024 * 1024:
            raise ValueError("S3 multipart parts must be at least 5 MiB")
        self.bucket = bucket
        self.endpoint_url = endpoint_url.rstrip("/")
        self.region = region
        self.acl = acl
        self.part_size = part_size
        self._credentials = (access_key_id, secret_access_key)
        self._base_url = public_base_url.rstrip("/") or self._bucket_url()
        self._client: S3Client | None = None
        self._stack = contextlib.AsyncExitStack()
        self._lock = asyncio.Lock()

    # -- the protocol ---------------------------------------------------------

    async def put_file(self, key: str, path: Path, *, content_type: str) -> None:
        check_key(key)
        size = await asyncio.to_thread(os.path.getsize, path)
        if size <= self.part_size:
            data = await asyncio.to_thread(path.read_bytes)
            await self.put_bytes(key, data, content_type=content_type)
            return
        file = await asyncio.to_thread(path.open, "rb")
        try:
            await self._multipart(key, file, content_type=content_type)
        finally:
            await asyncio.to_thread(file.close)

    async def put_bytes(self, key: str, data: bytes, *, content_type: str) -> None:
        check_key(key)
        client = await self._get_client()
        try:
            await client.put_object(
                Bucket=self.bucket, Key=key, Body=data, **self._object_args(content_type)
            )
        except ClientError as error:
            raise BlobStoreError(f"S3 refused to store {key}: {_describe(error)}") from error

    async def get_to_file(self, key: str, path: Path) -> None:
        check_key(key)
        client = await self._get_client()
        try:
            response = await client.get_object(Bucket=self.bucket, Key=key)
        except ClientError as error:
            if _error_code(error) in _MISSING_CODES:
                raise BlobMissing(key) from None
            raise BlobStoreError(f"S3 refused to read {key}: {_describe(error)}") from error
        fd, temp = await asyncio.to_thread(tempfile.mkstemp, dir=path.parent, prefix=".tmp-")
        out = os.fdopen(fd, "wb")
        try:
            async with response["Body"] as body:
                while chunk := await body.read(_READ_CHUNK):
                    await asyncio.to_thread(out.write, chunk)
            await asyncio.to_thread(out.close)
            await asyncio.to_thread(os.replace, temp, path)
        except BaseException:
            out.close()
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temp)
            raise

    async def delete(self, keys: Sequence[str]) -> None:
        for key in keys:
            check_key(key)
        unique = list(dict.fromkeys(keys))
        if not unique:
            return
        client = await self._get_client()
        for start in range(0, len(unique), DELETE_BATCH):
            batch = unique[start : start + DELETE_BATCH]
            try:
                response = await client.delete_objects(
                    Bucket=self.bucket,
                    Delete={"Objects": [{"Key": k} for k in batch], "Quiet": True},
                )
            except ClientError as error:
                raise BlobStoreError(f"S3 refused to delete: {_describe(error)}") from error
            failed = [e for e in response.get("Errors", []) if e.get("Code") != "NoSuchKey"]
            if failed:
                first = failed[0]
                raise BlobStoreError(
                    f"S3 could not delete {len(failed)} object(s), e.g. "
                    f"{first.get('Key')}: {first.get('Code')} {first.get('Message', '')}".strip()
                )

    def url(self, key: str) -> str:
        return f"{self._base_url}/{quote(check_key(key))}"

    async def close(self) -> None:
        async with self._lock:
            self._client = None
            await self._stack.aclose()

    # -- beyond the protocol ----------------------------------------------------

    async def ensure_bucket(self) -> None:
        """Create the bucket when it does not exist (development and tests;
        in production the operator creates it with its public-read policy)."""
        client = await self._get_client()
        try:
            await client.head_bucket(Bucket=self.bucket)
            return
        except ClientError as error:
            if _error_code(error) not in {"404", "NoSuchBucket", "NotFound"}:
                raise BlobStoreError(f"S3 bucket {self.bucket}: {_describe(error)}") from error
        kwargs: dict[str, Any] = {}
        if self.region != "us-east-1":
            kwargs["CreateBucketConfiguration"] = {"LocationConstraint": self.region}
        await client.create_bucket(Bucket=self.bucket, **kwargs)

    # -- internals --------------------------------------------------------------

    async def _multipart(self, key: str, file: BinaryIO, *, content_type: str) -> None:
        client = await self._get_client()
        try:
            created = await client.create_multipart_upload(
                Bucket=self.bucket, Key=key, **self._object_args(content_type)
            )
        except ClientError as error:
            raise BlobStoreError(f"S3 refused to store {key}: {_describe(error)}") from error
        upload_id = created["UploadId"]
        parts: list[CompletedPartTypeDef] = []
        try:
            number = 1
            while chunk := await asyncio.to_thread(file.read, self.part_size):
                part = await client.upload_part(
                    Bucket=self.bucket,
                    Key=key,
                    UploadId=upload_id,
                    PartNumber=number,
                    Body=chunk,
                )
                parts.append({"ETag": part["ETag"], "PartNumber": number})
                number += 1
            await client.complete_multipart_upload(
                Bucket=self.bucket,
                Key=key,
                UploadId=upload_id,
                MultipartUpload={"Parts": parts},
            )
        except BaseException as error:
            with contextlib.suppress(Exception):
                await client.abort_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload_id)
            if isinstance(error, ClientError):
                raise BlobStoreError(f"S3 refused to store {key}: {_describe(error)}") from error
            raise

    def _object_args(self, content_type: str) -> dict[str, Any]:
        args: dict[str, Any] = {"ContentType": content_type, "CacheControl": CACHE_CONTROL}
        if self.acl:
            args["ACL"] = self.acl
        return args

    def _bucket_url(self) -> str:
        if self.endpoint_url:
            return f"{self.endpoint_url}/{self.bucket}"
        return f"https://{self.bucket}.s3.{self.region}.amazonaws.com"

    async def _get_client(self) -> S3Client:
        if self._client is not None:
            return self._client
        async with self._lock:
            if self._client is None:
                key_id, secret = self._credentials
                config = AioConfig(
                    region_name=self.region,
                    signature_version="s3v4",
                    # Path-style URLs work with every S3-compatible server
                    # (MinIO, Ceph, an IP address); AWS picks its own.
                    s3={"addressing_style": "path" if self.endpoint_url else "auto"},
                    # Checksums only where S3 requires them: several
                    # S3-compatible servers refuse the newer default ones.
                    request_checksum_calculation="when_required",
                    response_checksum_validation="when_required",
                    retries={"max_attempts": 3, "mode": "standard"},
                    connect_timeout=10,
                    read_timeout=60,
                )
                self._client = await self._stack.enter_async_context(
                    get_session().create_client(
                        "s3",
                        region_name=self.region,
                        endpoint_url=self.endpoint_url or None,
                        # Empty: botocore's own chain (AWS_* variables, an
                        # instance or task role).
                        aws_access_key_id=key_id or None,
                        aws_secret_access_key=secret or None,
                        config=config,
                    )
                )
            return self._client


def build_s3_blob_store(settings: Settings) -> S3BlobStore:
    """The S3 store of ``ROOST_MEDIA_STORAGE=s3``, from the ``ROOST_S3_*``
    settings; its URLs are ``Settings.media_base_url`` plus the key
    (``ROOST_MEDIA_PUBLIC_URL`` when set, else the bucket's)."""
    return S3BlobStore(
        bucket=settings.s3_bucket,
        endpoint_url=settings.s3_endpoint_url,
        region=settings.s3_region,
        access_key_id=settings.s3_access_key_id,
        secret_access_key=settings.s3_secret_access_key,
        # The same base as the URLs rendered from the settings.
        public_base_url=settings.media_base_url,
        acl=settings.s3_acl,
    )


def _error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def _describe(error: ClientError) -> str:
    details = error.response.get("Error", {})
    return f"{details.get('Code', '?')} {details.get('Message', '')}".strip()
