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
from pathlib import Path
from typing import Any

from roost.config import Settings
from roost.media import images, video
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


def video_limits(settings: Settings) -> video.VideoLimits:
    """The video limits, with the upload size of the settings."""
    return dataclasses.replace(video.DEFAULT_LIMITS, max_bytes=settings.media_max_video_bytes)


async def process_motion(kind: str, source: Path, workdir: Path, settings: Settings) -> Processed:
    """An animated GIF (``gifv``) or a video, through ffmpeg: an H.264 MP4 and
    a poster frame as its preview."""
    limits = video_limits(settings)
    target = workdir / "original.mp4"
    if kind == GIFV:
        info = await video.gif_to_mp4(source, target, limits)
    else:
        info = await video.transcode_video(source, target, limits)
    poster = workdir / "poster.jpg"
    await video.poster_frame(target, poster, images.PREVIEW_SIDE)
    previews = workdir / "preview"
    previews.mkdir()
    small, hashed = await thumbnail(poster, previews, settings)
    meta = info.meta()
    meta["small"] = small.meta()
    original = images.Output(target, "video/mp4", "mp4", info.width, info.height)
    return Processed(kind, original, small, meta, hashed)
