"""Blob storage for media files: a small protocol and the local-directory backend.

Keys are relative, slash-separated paths made of a conservative alphabet
(``media/123/ab12/original.jpg``); anything else is refused before it gets
near a file system or a bucket, so no key can climb out of its root.

``LocalBlobStore`` is the embedded default: a directory, written atomically
(a temporary file in the same directory, then a rename), served by Roost
itself under ``/system/media/``. The scale-out backend (S3-compatible
object storage) implements the same protocol; ``roost.services`` picks one.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import BinaryIO, Protocol

# One to eight segments of letters, digits, '_', '-' and inner dots; no
# segment may start with a dot (no '..', no hidden files).
_SEGMENT = r"[A-Za-z0-9_-][A-Za-z0-9_.-]{0,127}"
_KEY = re.compile(rf"{_SEGMENT}(?:/{_SEGMENT}){{0,7}}")
MAX_KEY_LENGTH = 512


class BlobMissing(Exception):
    """The key names no stored blob."""


class InvalidKey(ValueError):
    """A key outside the allowed alphabet or shape."""


def check_key(key: str) -> str:
    """``key`` when it is a valid blob key; InvalidKey otherwise."""
    if len(key) > MAX_KEY_LENGTH or not _KEY.fullmatch(key) or ".." in key:
        raise InvalidKey(f"invalid blob key: {key!r}")
    return key


class BlobStore(Protocol):
    """Where media files live. Every method takes a validated key."""

    async def put_file(self, key: str, path: Path, *, content_type: str) -> None:
        """Store the file at ``path`` under ``key`` (replacing any blob there)."""

    async def put_bytes(self, key: str, data: bytes, *, content_type: str) -> None:
        """Store ``data`` under ``key``."""

    async def get_to_file(self, key: str, path: Path) -> None:
        """Copy the blob to ``path``; BlobMissing when there is none."""

    async def delete(self, keys: Sequence[str]) -> None:
        """Remove these blobs; keys that name nothing are ignored."""

    def url(self, key: str) -> str:
        """The public URL of the blob (on the CDN host when one is set)."""

    async def close(self) -> None:
        """Release connections."""


class LocalBlobStore:
    """Blobs as files under ``root``; URLs under ``base_url``."""

    def __init__(self, root: Path, *, base_url: str) -> None:
        self.root = root
        self.base_url = base_url.rstrip("/")

    def path_for(self, key: str) -> Path:
        """The file of ``key`` (which need not exist); InvalidKey for a bad key."""
        return self.root / check_key(key)

    async def put_file(self, key: str, path: Path, *, content_type: str) -> None:
        target = self.path_for(key)
        await asyncio.to_thread(self._write, target, lambda out: _copy_into(path, out))

    async def put_bytes(self, key: str, data: bytes, *, content_type: str) -> None:
        target = self.path_for(key)
        await asyncio.to_thread(self._write, target, lambda out: out.write(data))

    @staticmethod
    def _write(target: Path, fill: Callable[[BinaryIO], object]) -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as out:
                fill(out)
                out.flush()
                os.fsync(out.fileno())
            os.chmod(temp, 0o644)
            os.replace(temp, target)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temp)
            raise

    async def get_to_file(self, key: str, path: Path) -> None:
        source = self.path_for(key)

        def copy() -> None:
            try:
                shutil.copyfile(source, path)
            except FileNotFoundError:
                raise BlobMissing(key) from None

        await asyncio.to_thread(copy)

    async def delete(self, keys: Sequence[str]) -> None:
        paths = [self.path_for(k) for k in keys]

        def remove() -> None:
            for path in paths:
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
                # Drop the directories the blob leaves empty (not the root).
                parent = path.parent
                while parent != self.root and self.root in parent.parents:
                    try:
                        parent.rmdir()
                    except OSError:
                        break
                    parent = parent.parent

        await asyncio.to_thread(remove)

    def url(self, key: str) -> str:
        return f"{self.base_url}/{check_key(key)}"

    async def close(self) -> None:
        return None


def _copy_into(path: Path, out: BinaryIO) -> None:
    with path.open("rb") as source:
        shutil.copyfileobj(source, out)
