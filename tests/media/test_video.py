"""Video probing, transcoding, GIF conversion and poster frames, with the
real ffmpeg. Outputs are checked by probing them again (and with ffprobe's
own JSON where the VideoInfo does not say it)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from roost.kernel.errors import Unprocessable
from roost.media import video
from roost.media.video import VideoLimits, fit_within
from tests.media.conftest import make_clip, make_gif

pytestmark = pytest.mark.anyio


def ffprobe_json(path: Path) -> dict[str, Any]:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_format", "-show_streams", "-of", "json", str(path)],
        check=True,
        capture_output=True,
        timeout=30,
    )
    result: dict[str, Any] = json.loads(out.stdout)
    return result


def video_packet_sizes(path: Path) -> list[str]:
    out = subprocess.run(
        [
            *("ffprobe", "-v", "error", "-select_streams", "v:0"),
            *("-show_entries", "packet=size", "-of", "csv=p=0", str(path)),
        ],
        check=True,
        capture_output=True,
        timeout=30,
        text=True,
    )
    return out.stdout.split()


def remux(src: Path, dst: Path, *options: str) -> Path:
    """``src`` copied into a new MP4 with these output options."""
    subprocess.run(
        [
            *("ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-i", str(src), "-c", "copy"),
            *options,
            str(dst),
        ],
        check=True,
        timeout=30,
    )
    return dst


def size_of(path: Path) -> int:
    return path.stat().st_size


def truncate(path: Path) -> Path:
    """Cut the file in half, as an interrupted upload would."""
    os.truncate(path, os.path.getsize(path) // 2)
    return path


def ffmpeg_children() -> list[int]:
    """Live ffmpeg child processes of this one (what a killed-and-reaped
    ffmpeg no longer is; other tests' servers are not counted)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        name, fields = stat.rsplit(")", 1)[0].split("(", 1)[1], stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == os.getpid() and fields[0] != "Z" and name in {"ffmpeg", "nice"}:
            found.append(int(entry.name))
    return found


async def test_probe_describes_a_video_as_mastodon_meta_needs(clip: Path) -> None:
    info = await video.probe(clip)
    assert (info.width, info.height) == (320, 240)
    assert info.duration == pytest.approx(2.0, abs=0.1)
    assert info.fps == pytest.approx(25.0)
    assert info.frame_rate == "25/1"
    assert info.has_audio and info.audio_codec == "aac"
    assert info.audio_sample_rate == 44100 and info.audio_channels == "mono"
    assert info.size_bytes == size_of(clip) and info.bitrate > 0
    meta = info.meta()
    assert meta["size"] == "320x240" and meta["aspect"] == pytest.approx(4 / 3)
    assert meta["length"] == "0:00:02.00" and meta["fps"] == 25
    assert meta["audio_encode"] == "aac (LC)" and meta["audio_bitrate"] == "44100 Hz"
    assert meta["original"]["frame_rate"] == "25/1" and meta["original"]["bitrate"] > 0


async def test_transcode_makes_h264_aac_faststart_mp4(clip: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.mp4"
    info = await video.transcode_video(clip, out, VideoLimits())
    assert (info.video_codec, info.pixel_format, info.audio_codec) == ("h264", "yuv420p", "aac")
    assert (info.width, info.height) == (320, 240)
    assert info.duration == pytest.approx(2.0, abs=0.1)
    assert info.container.startswith("mov,mp4")
    # +faststart: the index (moov) comes before the media data (mdat).
    head = out.read_bytes()[:4096]
    assert head.index(b"moov") < head.index(b"mdat")


async def test_transcode_scales_down_to_even_size_and_caps_frame_rate(
    media_dir: Path, tmp_path: Path
) -> None:
    src = make_clip(media_dir / "big.mp4", size="642x362", rate=50, seconds=1.0, audio=False)
    limits = VideoLimits(max_pixels=320 * 180, max_fps=25)
    info = await video.transcode_video(src, tmp_path / "out.mp4", limits)
    assert info.width % 2 == 0 and info.height % 2 == 0
    assert info.width * info.height <= 320 * 180
    assert info.aspect == pytest.approx(642 / 362, rel=0.02)
    assert info.fps == pytest.approx(25.0, abs=0.5)
    assert not info.has_audio


async def test_a_conforming_upload_is_copied_but_loses_its_metadata(
    media_dir: Path, tmp_path: Path
) -> None:
    src = make_clip(
        media_dir / "phone.mp4",
        seconds=1.0,
        extra=("-metadata", "location=+48.8583+002.2945/", "-metadata", "title=secret"),
    )
    assert "location" in ffprobe_json(src)["format"]["tags"]
    out = tmp_path / "out.mp4"
    info = await video.transcode_video(src, out)
    assert (info.width, info.height, info.video_codec) == (320, 240, "h264")
    tags = ffprobe_json(out)["format"].get("tags", {})
    assert "location" not in tags and "title" not in tags
    # Copied, not re-encoded: the very same compressed frames.
    assert video_packet_sizes(out) == video_packet_sizes(src)


async def test_rotated_phone_video_is_described_and_output_upright(
    media_dir: Path, tmp_path: Path
) -> None:
    plain = make_clip(media_dir / "landscape.mp4", seconds=1.0, audio=False, pix_fmt="yuv444p")
    rotated = remux(plain, media_dir / "rotated.mp4", "-metadata:s:v:0", "rotate=90")
    assert (await video.probe(rotated)).size == "240x320"
    info = await video.transcode_video(rotated, tmp_path / "out.mp4")
    assert (info.width, info.height) == (240, 320)


async def test_gif_becomes_a_silent_even_sized_mp4(gif: Path, tmp_path: Path) -> None:
    info = await video.gif_to_mp4(gif, tmp_path / "gifv.mp4")
    assert (info.video_codec, info.pixel_format) == ("h264", "yuv420p")
    assert not info.has_audio
    assert (info.width, info.height) == (100, 74)
    assert info.duration == pytest.approx(0.6, abs=0.15)


async def test_poster_frame_is_a_jpeg_of_the_stated_size(clip: Path, tmp_path: Path) -> None:
    poster = tmp_path / "poster.jpg"
    size = await video.poster_frame(clip, poster, max_side=160)
    assert size == (160, 120)
    with Image.open(poster) as image:
        assert image.format == "JPEG" and image.size == size


async def test_poster_frame_of_a_clip_shorter_than_the_seek(gif: Path, tmp_path: Path) -> None:
    poster = tmp_path / "poster.jpg"
    assert await video.poster_frame(gif, poster, max_side=640) == (101, 75)
    with Image.open(poster) as image:
        assert image.size == (101, 75)


@pytest.mark.parametrize(
    ("limits", "reason"),
    [
        (VideoLimits(max_duration=1.0), "too long"),
        (VideoLimits(max_input_pixels=320 * 200), "too large"),
        (VideoLimits(max_input_fps=24), "frame rate is too high"),
        (VideoLimits(max_bytes=1000), "too big"),
    ],
)
async def test_limits_are_enforced(
    clip: Path, tmp_path: Path, limits: VideoLimits, reason: str
) -> None:
    with pytest.raises(Unprocessable, match=reason):
        await video.probe(clip, limits)
    out = tmp_path / "out.mp4"
    with pytest.raises(Unprocessable, match=reason):
        await video.transcode_video(clip, out, limits)
    assert not out.exists()


async def test_files_that_are_not_videos_are_refused(
    media_dir: Path, clip: Path, tmp_path: Path
) -> None:
    text = tmp_path / "notes.mp4"
    text.write_text("this is a text file with a video's name\n" * 20)
    png = tmp_path / "still.png"
    Image.new("RGB", (64, 64), (0, 128, 255)).save(png)
    # A playlist would make ffmpeg open other files: its demuxer is not allowed.
    playlist = tmp_path / "list.m3u8"
    playlist.write_text(f"#EXTM3U\n#EXTINF:2,\n{clip}\n#EXT-X-ENDLIST\n")
    for path in (text, png, playlist, tmp_path / "absent.mp4"):
        with pytest.raises(Unprocessable, match="not a video"):
            await video.probe(path)
        out = tmp_path / "out.mp4"
        with pytest.raises(Unprocessable, match="not a video"):
            await video.transcode_video(path, out)
        assert not out.exists()


async def test_truncated_mp4s_are_refused(clip: Path, tmp_path: Path) -> None:
    # The index at the end (ffmpeg's default): cut off, nothing is readable.
    cut = truncate(remux(clip, tmp_path / "cut.mp4"))
    with pytest.raises(Unprocessable, match="not a video"):
        await video.probe(cut)
    # The index at the front: the header promises more than the file holds.
    front = truncate(remux(clip, tmp_path / "front.mp4", "-movflags", "+faststart"))
    out = tmp_path / "out.mp4"
    with pytest.raises(Unprocessable, match="damaged or truncated"):
        await video.transcode_video(front, out)
    assert not out.exists()


async def test_a_transcode_past_its_deadline_is_killed(clip: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.mp4"
    with pytest.raises(Unprocessable, match="took too long"):
        await video.transcode_video(clip, out, VideoLimits(timeout=0.001))
    assert ffmpeg_children() == []
    assert not out.exists()


async def test_without_ffmpeg_uploads_get_a_clear_reason(
    clip: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(video, "FFPROBE", "ffprobe-not-installed")
    monkeypatch.setattr(video, "FFMPEG", "ffmpeg-not-installed")
    assert not video.ffmpeg_available()
    with pytest.raises(Unprocessable, match="ffmpeg is not installed"):
        await video.probe(clip)
    with pytest.raises(Unprocessable, match="ffmpeg is not installed"):
        await video.gif_to_mp4(make_gif(tmp_path / "a.gif"), tmp_path / "out.mp4")


@pytest.mark.parametrize(
    ("size", "budget", "expected"),
    [
        ((320, 240), 1920 * 1080, (320, 240)),  # small enough: kept
        ((321, 241), 1920 * 1080, (320, 240)),  # odd: made even
        ((3840, 2160), 1920 * 1080, (1920, 1080)),
        ((2160, 3840), 1920 * 1080, (1080, 1920)),  # portrait: same budget
        ((1000, 3), 1920 * 1080, (1000, 2)),  # never below 2 pixels
    ],
)
def test_fit_within(size: tuple[int, int], budget: int, expected: tuple[int, int]) -> None:
    assert fit_within(*size, budget) == expected
