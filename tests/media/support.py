"""Images made with Pillow for the media tests, and upload helpers."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import httpx2 as httpx
from PIL import Image

from tests.helpers import ApiClient, User

# EXIF tags: Orientation, GPSInfo; GPS tags: latitude ref/value.
ORIENTATION = 0x0112
GPS_IFD = 0x8825


def jpeg_bytes(
    width: int = 80,
    height: int = 40,
    *,
    gps: bool = False,
    orientation: int | None = None,
    color: tuple[int, int, int] = (200, 30, 30),
) -> bytes:
    image = Image.new("RGB", (width, height), color)
    # A distinct left half, to see orientation applied.
    image.paste((20, 20, 220), (0, 0, width // 2, height))
    exif = Image.Exif()
    if orientation is not None:
        exif[ORIENTATION] = orientation
    if gps:
        exif[0x010F] = "PhoneMaker"  # camera make
        gps_ifd = exif.get_ifd(GPS_IFD)
        gps_ifd[1] = "N"
        gps_ifd[2] = (48.0, 51.0, 29.0)
        gps_ifd[3] = "E"
        gps_ifd[4] = (2.0, 17.0, 40.0)
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes(), quality=90)
    return out.getvalue()


def png_bytes(width: int = 60, height: int = 60, *, alpha: bool = False) -> bytes:
    image = Image.new("RGBA" if alpha else "RGB", (width, height), (10, 200, 10, 128))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def gif_bytes(frames: int = 1) -> bytes:
    images = [Image.new("RGB", (32, 32), (i * 40, 255 - i * 40, 0)) for i in range(frames)]
    out = io.BytesIO()
    images[0].save(out, "GIF", save_all=frames > 1, append_images=images[1:], duration=100)
    return out.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def png_bomb(side: int = 50_000) -> bytes:
    """A valid PNG header announcing side x side pixels, in a few KB (the
    pixel data is a short stream of zeros: it would decode to gigabytes)."""
    header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    data = zlib.compress(b"\x00" * 65_536, 9)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", data)
        + _chunk(b"IEND", b"")
    )


def upload(
    client: ApiClient,
    user: User,
    data: bytes,
    *,
    filename: str = "photo.jpg",
    content_type: str = "image/jpeg",
    version: int = 2,
    fields: dict[str, str] | None = None,
    thumbnail: bytes | None = None,
) -> httpx.Response:
    files = {"file": (filename, data, content_type)}
    if thumbnail is not None:
        files["thumbnail"] = ("thumb.png", thumbnail, "image/png")
    return client.post(f"/api/v{version}/media", user=user, files=files, data=fields or {})


def ready_media(client: ApiClient, user: User, data: bytes | None = None, **kwargs: object) -> str:
    """Upload, process (the jobs), and return the attachment id."""
    response = upload(client, user, data or jpeg_bytes(), **kwargs)  # type: ignore[arg-type]
    assert response.status_code in (200, 202), response.text
    client.drain()
    return str(response.json()["id"])


def fetch(client: ApiClient, url: str) -> httpx.Response:
    """A media URL (served by the app under /system/media)."""
    assert url.startswith("http://testserver/system/media/"), url
    return client.http.get(url.removeprefix("http://testserver"))


def media_files(client: ApiClient) -> list[Path]:
    """Every stored blob (temporary files of the writer aside)."""
    root = client.services.settings.effective_media_dir
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []
