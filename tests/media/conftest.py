"""Media made for the tests by real tools: ffmpeg's test sources (a test
card and a sine tone) for videos, Pillow for animated GIFs."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from roost.media import video


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not video.ffmpeg_available():
        pytest.fail("ffmpeg is not installed: run scripts/install-system-deps.sh")
    return tmp_path_factory.mktemp("media")


def make_clip(
    path: Path,
    *,
    size: str = "320x240",
    rate: int = 25,
    seconds: float = 2.0,
    audio: bool = True,
    pix_fmt: str = "yuv420p",
    extra: tuple[str, ...] = (),
) -> Path:
    """An H.264 (+ AAC) MP4 of ffmpeg's test card (and a 440 Hz tone)."""
    args = ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y"]
    args += ["-f", "lavfi", "-i", f"testsrc=size={size}:rate={rate}:duration={seconds}"]
    if audio:
        args += ["-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}"]
    args += ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", pix_fmt]
    if audio:
        args += ["-c:a", "aac", "-shortest"]
    subprocess.run([*args, *extra, str(path)], check=True, timeout=60)
    return path


def make_gif(path: Path, *, size: tuple[int, int] = (101, 75), frames: int = 6) -> Path:
    """An animated GIF (odd dimensions on purpose), 100 ms a frame, looping."""
    images = []
    for n in range(frames):
        image = Image.new("RGB", size, (255, 255, 255))
        draw = ImageDraw.Draw(image)
        x = n * (size[0] - 20) // max(1, frames - 1)
        draw.rectangle((x, 20, x + 19, 50), fill=(200, 30, 30))
        images.append(image)
    images[0].save(path, save_all=True, append_images=images[1:], duration=100, loop=0)
    return path


@pytest.fixture(scope="session")
def clip(media_dir: Path) -> Path:
    """2 s, 320x240 at 25 fps, yuv444p (so it must be re-encoded), with sound."""
    return make_clip(media_dir / "clip.mp4", pix_fmt="yuv444p")


@pytest.fixture(scope="session")
def gif(media_dir: Path) -> Path:
    return make_gif(media_dir / "anim.gif")
