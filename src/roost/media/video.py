"""Videos and animated GIFs: probing, transcoding and poster frames with ffmpeg.

Every function runs ``ffprobe``/``ffmpeg`` (Debian's package, installed by
``scripts/install-system-deps.sh``) as a child process: no shell, arguments
as a list, stdin closed, a deadline after which the process is killed, and
at lower CPU priority (``nice``) so a transcode does not starve the web
server or fan-out on the same machine. They are called by media jobs in
workers, never in a request.

Only the demuxers of the formats Mastodon accepts for video are allowed
(MP4/QuickTime, Matroska/WebM, GIF) and only plain files as input: ffmpeg's
playlist and concatenation demuxers can open other files or URLs, so an
upload that claims to be one of them is refused before anything is read.

A file that is not a video, is damaged, or breaks the limits raises
``Unprocessable`` with a reason a person can read; so does a missing ffmpeg,
so that an operator who runs without it gets a clear answer per upload
instead of a crash.

Outputs are what every browser plays: H.264 (High profile, yuv420p) and AAC
in MP4 with the index at the front (``+faststart``, so playback starts
before the download ends), metadata stripped (a phone video's location must
not be published), dimensions even and within the pixel budget.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import math
import re
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from roost.kernel.errors import Unprocessable

FFMPEG = "ffmpeg"
FFPROBE = "ffprobe"
# Demuxers ffmpeg may use on an upload: MP4/QuickTime (also 3GP), Matroska
# (also WebM) and GIF. Everything else (images, playlists, concat lists,
# raw streams) is refused by ffmpeg itself.
ALLOWED_DEMUXERS = "mov,matroska,webm,gif"
# Reading the header of a file is quick; a probe that takes longer than this
# is fed something hostile.
PROBE_TIMEOUT = 30.0
# ffprobe's JSON of a sane file is a few KB; a file with thousands of streams
# is refused rather than parsed.
_MAX_PROBE_OUTPUT = 1 << 20
# The last part of ffmpeg's error output kept for the failure reason.
_STDERR_TAIL = 4096
# "[mov,mp4,m4a,3gp,3g2,mj2 @ 0x55d0c0e1] " and "file:/some/path: " in ffmpeg's lines.
_NOISE = re.compile(r"\[[^\]]* @ 0x[0-9a-f]+\] |file:\S*: ")
_NOT_A_VIDEO = "The file is not a video in a supported format (MP4, MOV, WebM or GIF)"
_NOT_INSTALLED = "Video processing is not available on this server (ffmpeg is not installed)"


@dataclasses.dataclass(frozen=True, slots=True)
class VideoLimits:
    """What is accepted, what is produced, and what processing may use.

    The reference is Mastodon (4.2 and later): uploads of up to 99 MiB,
    3840x2160 (8,294,400) pixels and 120 frames per second, and at most
    36,000 frames (ten minutes at 60 fps); its re-encoding caps the video
    bitrate at 1,300 kbit/s. Roost accepts the same, bounds the duration
    rather than the frame count, and keeps the output within 1080p worth of
    pixels (either orientation) at up to 60 fps, which is what feeds play.
    """

    # Accepted uploads.
    max_bytes: int = 99 * 1024 * 1024
    max_duration: float = 600.0  # seconds
    max_input_pixels: int = 3840 * 2160
    max_input_fps: float = 120.0
    # Produced files: scaled down (keeping the aspect ratio) to at most this
    # many pixels, frame rate capped, video bitrate capped (bit/s).
    max_pixels: int = 1920 * 1080
    max_fps: float = 60.0
    max_bitrate: int = 1_300_000
    audio_bitrate: int = 128_000
    # x264 quality (lower is better; 23 is its default) under the bitrate cap.
    crf: int = 23
    # Processing: encoder threads per ffmpeg (0: ffmpeg picks from the
    # cores), and the deadline of one transcode, in seconds.
    threads: int = 2
    timeout: float = 900.0


DEFAULT_LIMITS = VideoLimits()


@dataclasses.dataclass(frozen=True, slots=True)
class VideoInfo:
    """What ffprobe tells of a video, as Mastodon's MediaAttachment ``meta``
    needs it. ``width``/``height`` are the displayed size (rotation and
    non-square pixels applied)."""

    width: int
    height: int
    duration: float  # seconds
    fps: float
    # The exact rate as ffprobe states it ("30000/1001"): meta.original.frame_rate.
    frame_rate: str
    bitrate: int  # bit/s of the whole file
    has_audio: bool
    size_bytes: int
    container: str  # ffprobe's demuxer name, e.g. "mov,mp4,m4a,3gp,3g2,mj2"
    video_codec: str  # e.g. "h264", "hevc", "vp9", "gif"
    pixel_format: str
    audio_codec: str | None = None
    # "aac (LC)": meta.audio_encode
    audio_encode: str | None = None
    audio_sample_rate: int | None = None  # Hz; meta.audio_bitrate is "44100 Hz"
    audio_channels: str | None = None  # "mono", "stereo", "5.1": meta.audio_channels
    audio_channel_count: int = 0

    @property
    def size(self) -> str:
        return f"{self.width}x{self.height}"

    @property
    def aspect(self) -> float:
        return self.width / self.height

    @property
    def length(self) -> str:
        """The duration as Mastodon writes it: ``H:MM:SS.ss``."""
        hours, rest = divmod(self.duration, 3600)
        minutes, seconds = divmod(rest, 60)
        return f"{int(hours)}:{int(minutes):02d}:{seconds:05.2f}"

    def meta(self) -> dict[str, Any]:
        """Mastodon's video ``meta``: the top-level keys and ``original``.
        The caller adds ``small`` (the poster frame) and ``focus``."""
        meta: dict[str, Any] = {
            "length": self.length,
            "duration": round(self.duration, 2),
            "fps": round(self.fps),
            "size": self.size,
            "width": self.width,
            "height": self.height,
            "aspect": self.aspect,
        }
        if self.has_audio:
            meta["audio_encode"] = self.audio_encode
            meta["audio_bitrate"] = (
                f"{self.audio_sample_rate} Hz" if self.audio_sample_rate else None
            )
            meta["audio_channels"] = self.audio_channels
        meta["original"] = {
            "width": self.width,
            "height": self.height,
            "frame_rate": self.frame_rate,
            "duration": round(self.duration, 3),
            "bitrate": self.bitrate,
        }
        return meta


def ffmpeg_available() -> bool:
    """Whether ffmpeg and ffprobe can be run here (the media service answers
    uploads of videos and GIFs with a clear 422 when not)."""
    return shutil.which(FFMPEG) is not None and shutil.which(FFPROBE) is not None


async def probe(path: Path, limits: VideoLimits = DEFAULT_LIMITS) -> VideoInfo:
    """Describe the video at ``path``; Unprocessable when it is not a video
    (or not one of the accepted formats) or breaks ``limits``."""
    info = await _probe(path)
    _check_limits(info, limits)
    return info


async def transcode_video(src: Path, dst: Path, limits: VideoLimits = DEFAULT_LIMITS) -> VideoInfo:
    """Write ``src`` to ``dst`` as an H.264/AAC MP4 within ``limits``, and
    return the output's description.

    An upload that already is such a file (H.264 yuv420p, AAC or silent,
    within the size, frame rate and bitrate caps) is copied into a fresh MP4
    without re-encoding: metadata still stripped, index still moved to the
    front. A damaged file (its streams end before its stated duration) is
    refused rather than published cut short.
    """
    info = await probe(src, limits)
    width, height = fit_within(info.width, info.height, limits.max_pixels)
    args = [*_input_args(src), "-map", "0:v:0"]
    if info.has_audio:
        args += ["-map", "0:a:0"]
    args += ["-map_metadata", "-1", "-map_chapters", "-1", "-sn", "-dn"]
    if _can_copy(info, limits):
        args += ["-c", "copy"]
    else:
        args += _video_encoder_args(info, width, height, limits)
        if info.has_audio:
            args += ["-c:a", "aac", "-b:a", str(limits.audio_bitrate)]
            if info.audio_channel_count > 2:
                args += ["-ac", "2"]  # stereo is what phones and browsers play
    args += ["-t", f"{limits.max_duration:.3f}", *_mp4_output_args(dst)]
    out = await _encode(args, dst, limits, what="The video")
    _check_complete(info, out, dst, limits)
    return out


async def gif_to_mp4(src: Path, dst: Path, limits: VideoLimits = DEFAULT_LIMITS) -> VideoInfo:
    """An animated GIF as a silent MP4 (Mastodon's ``gifv``): H.264 yuv420p,
    even dimensions within ``limits``, frame rate capped."""
    info = await probe(src, limits)
    width, height = fit_within(info.width, info.height, limits.max_pixels)
    args = [
        *_input_args(src),
        "-map",
        "0:v:0",
        "-an",
        "-sn",
        "-dn",
        "-map_metadata",
        "-1",
        *_video_encoder_args(info, width, height, limits),
        "-t",
        f"{limits.max_duration:.3f}",
        *_mp4_output_args(dst),
    ]
    out = await _encode(args, dst, limits, what="The animated GIF")
    _check_complete(info, out, dst, limits)
    return out


async def poster_frame(src: Path, dst: Path, max_side: int) -> tuple[int, int]:
    """A JPEG still of the video at ``src`` (a second in, or a quarter of a
    shorter one), at most ``max_side`` pixels on its longer side; returns its
    (width, height)."""
    info = await _probe(src)
    scale = min(1.0, max_side / max(info.width, info.height))
    width = max(1, round(info.width * scale))
    height = max(1, round(info.height * scale))
    for at in (min(1.0, info.duration / 4), 0.0):
        _remove(dst)
        args = [
            *_input_args(src, seek=at),
            "-map",
            "0:v:0",
            "-frames:v",
            "1",
            "-an",
            "-sn",
            "-dn",
            "-map_metadata",
            "-1",
            "-vf",
            f"scale={width}:{height}:flags=bicubic,setsar=1",
            "-pix_fmt",
            "yuvj420p",
            "-q:v",
            "3",
            "-f",
            "image2",
            "-update",
            "1",
            "-y",
            _file_url(dst),
        ]
        code, stderr = await _run_ffmpeg(args, seconds=PROBE_TIMEOUT, what="The poster frame")
        if code == 0 and _is_nonempty(dst):
            return width, height
    _remove(dst)
    raise Unprocessable(f"No frame could be read from the video{_reason(stderr)}")


def fit_within(width: int, height: int, max_pixels: int) -> tuple[int, int]:
    """The largest even size of the same aspect ratio as ``width`` x
    ``height`` that is no larger than it and has at most ``max_pixels``
    pixels (H.264 in yuv420p needs even dimensions)."""
    scale = min(1.0, math.sqrt(max_pixels / (width * height)))
    return max(2, int(width * scale) // 2 * 2), max(2, int(height * scale) // 2 * 2)


# -- ffmpeg arguments ---------------------------------------------------------


def _input_args(src: Path, *, seek: float | None = None) -> list[str]:
    args = [
        FFMPEG,
        "-nostdin",
        "-hide_banner",
        "-loglevel",
        "error",
        "-protocol_whitelist",
        "file",
        "-format_whitelist",
        ALLOWED_DEMUXERS,
    ]
    if seek:
        args += ["-ss", f"{seek:.3f}"]
    return [*args, "-i", _file_url(src)]


def _video_encoder_args(info: VideoInfo, width: int, height: int, limits: VideoLimits) -> list[str]:
    filters = []
    if info.fps > limits.max_fps:
        filters.append(f"fps={limits.max_fps:g}")
    filters += [f"scale={width}:{height}:flags=bicubic", "setsar=1", "format=yuv420p"]
    return [
        "-vf",
        ",".join(filters),
        "-c:v",
        "libx264",
        "-preset",
        "veryfast",
        "-profile:v",
        "high",
        "-crf",
        str(limits.crf),
        "-maxrate",
        str(limits.max_bitrate),
        "-bufsize",
        str(2 * limits.max_bitrate),
        "-pix_fmt",
        "yuv420p",
        "-threads",
        str(limits.threads),
    ]


def _mp4_output_args(dst: Path) -> list[str]:
    return ["-movflags", "+faststart", "-f", "mp4", "-y", _file_url(dst)]


def _can_copy(info: VideoInfo, limits: VideoLimits) -> bool:
    """Whether the upload can be published as it is (only remuxed)."""
    return (
        info.container.startswith("mov,")
        and info.video_codec == "h264"
        and info.pixel_format == "yuv420p"
        and info.audio_codec in (None, "aac")
        and info.width % 2 == 0
        and info.height % 2 == 0
        and info.width * info.height <= limits.max_pixels
        and info.fps <= limits.max_fps
        and info.bitrate <= limits.max_bitrate + limits.audio_bitrate
    )


async def _encode(args: list[str], dst: Path, limits: VideoLimits, *, what: str) -> VideoInfo:
    code, stderr = await _run_ffmpeg(args, seconds=limits.timeout, what=what)
    if code != 0:
        _remove(dst)
        raise Unprocessable(f"{what} could not be converted{_reason(stderr)}")
    try:
        return await _probe(dst)
    except Unprocessable:
        _remove(dst)
        raise


def _check_complete(src: VideoInfo, out: VideoInfo, dst: Path, limits: VideoLimits) -> None:
    """A damaged upload decodes short of its stated duration: refuse it."""
    expected = min(src.duration, limits.max_duration)
    if out.duration < 0.9 * expected - 0.5:
        _remove(dst)
        raise Unprocessable(
            f"The video is damaged or truncated: only {out.duration:.1f} s of "
            f"{src.duration:.1f} s could be read"
        )


# -- probing ------------------------------------------------------------------


async def _probe(path: Path) -> VideoInfo:
    args = [
        FFPROBE,
        "-hide_banner",
        "-loglevel",
        "error",
        "-protocol_whitelist",
        "file",
        "-format_whitelist",
        ALLOWED_DEMUXERS,
        "-show_format",
        "-show_streams",
        "-of",
        "json",
        _file_url(path),
    ]
    code, stdout, _ = await _run(args, seconds=PROBE_TIMEOUT, what="Reading the video")
    if code != 0:
        raise Unprocessable(_NOT_A_VIDEO)
    if len(stdout) > _MAX_PROBE_OUTPUT:
        raise Unprocessable("The video has too many streams")
    try:
        described = json.loads(stdout)
    except ValueError:
        raise Unprocessable(_NOT_A_VIDEO) from None
    return _parse_probe(described, path)


def _parse_probe(described: dict[str, Any], path: Path) -> VideoInfo:
    fmt = described.get("format") or {}
    streams: list[dict[str, Any]] = described.get("streams") or []
    video = next(
        (
            s
            for s in streams
            if s.get("codec_type") == "video"
            and not (s.get("disposition") or {}).get("attached_pic")
        ),
        None,
    )
    if video is None:
        raise Unprocessable("The file has no video stream")
    audio = next((s for s in streams if s.get("codec_type") == "audio"), None)
    width, height = _int(video.get("width")), _int(video.get("height"))
    if width <= 0 or height <= 0:
        raise Unprocessable("The video has no picture size")
    width, height = _displayed_size(video, width, height)
    duration = _float(fmt.get("duration")) or _float(video.get("duration"))
    if not duration or duration <= 0 or not math.isfinite(duration):
        raise Unprocessable("The video has no duration (a still image is not a video)")
    frame_rate, fps = _frame_rate(video)
    size_bytes = _int(fmt.get("size")) or path.stat().st_size
    bitrate = _int(fmt.get("bit_rate")) or round(size_bytes * 8 / duration)
    audio_codec = audio.get("codec_name") if audio else None
    encode = None
    if audio and audio_codec:
        profile = audio.get("profile")
        encode = f"{audio_codec} ({profile})" if profile else str(audio_codec)
    return VideoInfo(
        width=width,
        height=height,
        duration=duration,
        fps=fps,
        frame_rate=frame_rate,
        bitrate=bitrate,
        has_audio=audio is not None,
        size_bytes=size_bytes,
        container=str(fmt.get("format_name", "")),
        video_codec=str(video.get("codec_name", "")),
        pixel_format=str(video.get("pix_fmt", "")),
        audio_codec=audio_codec,
        audio_encode=encode,
        audio_sample_rate=(_int(audio.get("sample_rate")) or None) if audio else None,
        audio_channels=_channels(audio) if audio else None,
        audio_channel_count=_int(audio.get("channels")) if audio else 0,
    )


def _displayed_size(video: dict[str, Any], width: int, height: int) -> tuple[int, int]:
    """The size a player shows: non-square pixels widened, a quarter turn
    (phones record portrait video as rotated landscape) swapped."""
    sar = str(video.get("sample_aspect_ratio", "1:1"))
    num, _, den = sar.partition(":")
    if num.isdigit() and den.isdigit() and int(num) > 0 and int(den) > 0 and num != den:
        width = max(1, round(width * int(num) / int(den)))
    rotation = _float((video.get("tags") or {}).get("rotate")) or 0.0
    for side in video.get("side_data_list") or []:
        if "rotation" in side:
            rotation = _float(side["rotation"]) or 0.0
    if round(abs(rotation)) % 180 == 90:
        width, height = height, width
    return width, height


def _frame_rate(video: dict[str, Any]) -> tuple[str, float]:
    for key in ("avg_frame_rate", "r_frame_rate"):
        text = str(video.get(key, "0/0"))
        num, _, den = text.partition("/")
        try:
            rate = float(num) / float(den or 1)
        except (ValueError, ZeroDivisionError):
            continue
        if rate > 0 and math.isfinite(rate):
            return text, rate
    raise Unprocessable("The video has no frame rate")


def _channels(audio: dict[str, Any]) -> str | None:
    layout = audio.get("channel_layout")
    if layout:
        return str(layout)
    count = _int(audio.get("channels"))
    return {1: "mono", 2: "stereo"}.get(count, f"{count} channels" if count else None)


def _check_limits(info: VideoInfo, limits: VideoLimits) -> None:
    if info.size_bytes > limits.max_bytes:
        raise Unprocessable(
            f"The video is too big ({info.size_bytes / 1048576:.0f} MiB; "
            f"the limit is {limits.max_bytes / 1048576:.0f} MiB)"
        )
    if info.duration > limits.max_duration:
        raise Unprocessable(
            f"The video is too long ({info.duration:.0f} s; "
            f"the limit is {limits.max_duration:.0f} s)"
        )
    if info.width * info.height > limits.max_input_pixels:
        raise Unprocessable(
            f"The video's picture is too large ({info.size}; "
            f"the limit is {limits.max_input_pixels:,} pixels)"
        )
    if info.fps > limits.max_input_fps:
        raise Unprocessable(
            f"The video's frame rate is too high ({info.fps:.0f} fps; "
            f"the limit is {limits.max_input_fps:.0f})"
        )


def _file_url(path: Path) -> str:
    """The path for ffmpeg: absolute, behind ``file:`` so that no name is
    read as an option or as another protocol."""
    return f"file:{path.resolve()}"


def _remove(path: Path) -> None:
    """Drop a partial output (nothing half-written is left behind)."""
    path.unlink(missing_ok=True)


def _is_nonempty(path: Path) -> bool:
    return path.is_file() and path.stat().st_size > 0


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _float(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _reason(stderr: bytes) -> str:
    """ffmpeg's last error line, to append to a failure message, without the
    file's path or the component's address (nothing of the server's inside)."""
    lines = [line.strip() for line in stderr.decode(errors="replace").splitlines()]
    last = next((line for line in reversed(lines) if line), "")
    last = _NOISE.sub("", last).strip()
    return f": {last[:200]}" if last else ""


# -- child processes ----------------------------------------------------------


async def _run_ffmpeg(args: Sequence[str], *, seconds: float, what: str) -> tuple[int, bytes]:
    code, _, stderr = await _run(args, seconds=seconds, what=what)
    return code, stderr


async def _run(args: Sequence[str], *, seconds: float, what: str) -> tuple[int, bytes, bytes]:
    """Run ``args`` (no shell) at lower CPU priority; (exit code, stdout up to
    a limit, the tail of stderr). The process is killed when ``seconds``
    pass or the caller is cancelled."""
    command = list(args)
    nice = shutil.which("nice")
    if nice:
        command = [nice, "-n", "10", *command]
    try:
        proc = await asyncio.create_subprocess_exec(
            *command,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
    except FileNotFoundError:
        raise Unprocessable(_NOT_INSTALLED) from None
    assert proc.stdout is not None and proc.stderr is not None
    try:
        async with asyncio.timeout(seconds):
            stdout, stderr, code = await asyncio.gather(
                _read_head(proc.stdout, _MAX_PROBE_OUTPUT + 1),
                _read_tail(proc.stderr, _STDERR_TAIL),
                proc.wait(),
            )
    except TimeoutError:
        raise Unprocessable(f"{what} took too long (over {seconds:g} s)") from None
    finally:
        if proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            await proc.wait()
    if code == 127 and nice:  # `nice` found, the program not
        raise Unprocessable(_NOT_INSTALLED)
    return code, stdout, stderr


async def _read_head(stream: asyncio.StreamReader, limit: int) -> bytes:
    """The first ``limit`` bytes; the rest is read and dropped (a child that
    cannot write would never exit)."""
    kept = bytearray()
    while chunk := await stream.read(65536):
        if len(kept) < limit:
            kept += chunk[: limit - len(kept)]
    return bytes(kept)


async def _read_tail(stream: asyncio.StreamReader, limit: int) -> bytes:
    kept = b""
    while chunk := await stream.read(65536):
        kept = (kept + chunk)[-limit:]
    return kept
