"""What an upload really is, from its first bytes (never from its name or
the type the client declared)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from roost.kernel.errors import Unprocessable

HEAD_BYTES = 64

# ISO base media (MP4, QuickTime) brands that are video; HEIF/AVIF images
# use the same container and are not supported.
_VIDEO_BRANDS = (
    b"isom", b"iso2", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"mp4v", b"avc1",
    b"M4V ", b"M4VH", b"M4VP", b"qt  ", b"3gp4", b"3gp5", b"3gp6", b"3g2a", b"dash", b"MSNV",
)  # fmt: skip


@dataclasses.dataclass(frozen=True, slots=True)
class Sniffed:
    # image (still or animated: decided when processed) or video
    family: str
    content_type: str


UNSUPPORTED = (
    "Unsupported file type: upload a JPEG, PNG, WebP or GIF image, or an MP4, MOV or WebM video"
)


def sniff_bytes(head: bytes) -> Sniffed:
    """The family and MIME type of a file from its first bytes; Unprocessable
    for anything else (text, SVG, PDF, executables, HEIF...)."""
    if head.startswith(b"\xff\xd8\xff"):
        return Sniffed("image", "image/jpeg")
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return Sniffed("image", "image/png")
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return Sniffed("image", "image/gif")
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return Sniffed("image", "image/webp")
    if head[4:8] == b"ftyp" and head[8:12] in _VIDEO_BRANDS:
        content_type = "video/quicktime" if head[8:12] == b"qt  " else "video/mp4"
        return Sniffed("video", content_type)
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return Sniffed("video", "video/webm")
    raise Unprocessable(UNSUPPORTED)


def sniff_file(path: Path) -> Sniffed:
    with path.open("rb") as source:
        return sniff_bytes(source.read(HEAD_BYTES))
