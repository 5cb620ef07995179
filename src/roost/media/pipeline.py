"""From an uploaded file to what is stored: the one place that decides how
each kind of upload is processed.

Still images go through ``roost.media.images`` in a worker thread. Animated
GIFs (to a silent looping MP4, ``gifv``) and videos (to H.264/AAC MP4 with a
poster frame as preview) go through ``roost.media.video`` (ffmpeg), all in
``process_motion``.
"""

from __future__ import annotations

import asyncio
import dataclasses
import importlib
from pathlib import Path
from types import ModuleType
from typing import Any

from roost.config import Settings
from roost.kernel.errors import Unprocessable
from roost.media import images
from roost.media.records import GIFV, IMAGE, VIDEO


@dataclasses.dataclass(frozen=True, slots=True)
class Processed:
    kind: str
    original: images.Output
    small: images.Output
    meta: dict[str, Any]
    blurhash: str | None


async def process_upload(family: str, source: Path, workdir: Path, settings: Settings) -> Processed:
    """Process an upload sniffed as ``family`` (image or video); Unprocessable
    with the reason when it cannot be."""
    max_pixels = settings.media_max_image_pixels
    if family == "image":
        animated = await asyncio.to_thread(images.is_animated_gif, source, max_pixels=max_pixels)
        if animated:
            return await process_motion(GIFV, source, workdir, settings)
        done = await asyncio.to_thread(images.process_image, source, workdir, max_pixels=max_pixels)
        meta = {"original": done.original.meta(), "small": done.small.meta()}
        return Processed(IMAGE, done.original, done.small, meta, done.blurhash)
    return await process_motion(VIDEO, source, workdir, settings)


async def thumbnail(source: Path, workdir: Path, settings: Settings) -> tuple[images.Output, str]:
    """A client's custom preview image: (preview, blurhash)."""
    return await asyncio.to_thread(
        images.preview_from, source, workdir, max_pixels=settings.media_max_image_pixels
    )


def _video_module() -> ModuleType:
    try:
        return importlib.import_module("roost.media.video")
    except ImportError:
        raise Unprocessable(
            "Videos and animated GIFs cannot be processed on this server yet"
        ) from None


async def process_motion(kind: str, source: Path, workdir: Path, settings: Settings) -> Processed:
    """An animated GIF (``gifv``) or a video, through ffmpeg."""
    video = _video_module()
    limits = video.VideoLimits.from_settings(settings)
    target = workdir / "original.mp4"
    if kind == GIFV:
        await video.gif_to_mp4(source, target, limits)
    else:
        await video.transcode_video(source, target, limits)
    info = await video.probe(target)
    poster = workdir / "poster.png"
    await video.poster_frame(target, poster, images.PREVIEW_SIDE)
    small, hashed = await thumbnail(poster, workdir, settings)
    width, height = int(info.width), int(info.height)
    original_meta: dict[str, Any] = images.dimensions(width, height)
    motion = {
        "duration": round(float(info.duration), 3),
        "frame_rate": str(info.frame_rate),
        "bitrate": int(info.bitrate),
    }
    original_meta.update(motion)
    meta: dict[str, Any] = {"original": original_meta, "small": small.meta()}
    meta.update({"length": _clock(float(info.duration)), **motion, "fps": round(info.fps)})
    original = images.Output(target, "video/mp4", "mp4", width, height)
    return Processed(kind, original, small, meta, hashed)


def _clock(seconds: float) -> str:
    whole = int(seconds)
    return f"{whole // 3600}:{whole // 60 % 60:02d}:{whole % 60:02d}.{int(seconds * 100) % 100:02d}"
