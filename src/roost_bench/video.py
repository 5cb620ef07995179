"""`roost bench video`: how fast the workers' video pipeline runs here.

A synthetic clip (ffmpeg's moving test pattern with light film grain, so
the encoder has detail to work on, and a tone) is made at the size, frame
rate and bitrate a phone uploads, then put through
``roost.media.video.transcode_video`` (the re-encoding path: its bitrate is
above the output cap) and ``poster_frame`` as a media job would. The
figure is the real-time factor: seconds of video per second of wall time
(above 1: faster than playback).
"""

from __future__ import annotations

import asyncio
import dataclasses
import resource
import subprocess
import tempfile
import time
from pathlib import Path

from roost.media import video


@dataclasses.dataclass(frozen=True, slots=True)
class VideoRun:
    seconds: float
    size: str
    fps: int
    input_bitrate: int
    output: video.VideoInfo
    transcode_s: list[float]
    # CPU seconds (user + system) of ffmpeg and ffprobe per transcode: on a
    # shared or busy machine the wall time says more about the neighbours.
    transcode_cpu_s: list[float]
    poster_s: list[float]

    @property
    def realtime_factor(self) -> float:
        """Video seconds transcoded per wall second (median run)."""
        return self.seconds / _median(self.transcode_s)

    @property
    def cpu_realtime_factor(self) -> float:
        """Video seconds transcoded per CPU second (median run): how many
        cores keep up with one stream played in real time."""
        return self.seconds / _median(self.transcode_cpu_s)


def _median(values: list[float]) -> float:
    return sorted(values)[len(values) // 2]


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def make_clip(path: Path, *, seconds: float, size: str, fps: int, bitrate: str) -> None:
    args = ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y"]
    args += ["-f", "lavfi", "-i", f"testsrc2=size={size}:rate={fps}:duration={seconds}"]
    args += ["-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:duration={seconds}"]
    args += ["-vf", "noise=alls=12:allf=t", "-c:v", "libx264", "-preset", "ultrafast"]
    args += ["-b:v", bitrate, "-pix_fmt", "yuv420p", "-c:a", "aac", "-ac", "2", "-shortest"]
    subprocess.run([*args, str(path)], check=True, timeout=600)


def measure(
    *,
    seconds: float = 10.0,
    size: str = "1280x720",
    fps: int = 30,
    bitrate: str = "8M",
    repetitions: int = 3,
    limits: video.VideoLimits = video.DEFAULT_LIMITS,
) -> VideoRun:
    if not video.ffmpeg_available():
        raise RuntimeError("ffmpeg is not installed: run scripts/install-system-deps.sh")
    with tempfile.TemporaryDirectory(prefix="roost-bench-video-") as tmp:
        src, dst, poster = Path(tmp, "in.mp4"), Path(tmp, "out.mp4"), Path(tmp, "poster.jpg")
        make_clip(src, seconds=seconds, size=size, fps=fps, bitrate=bitrate)
        info = asyncio.run(video.probe(src, limits))
        transcode_s, transcode_cpu_s, poster_s = [], [], []
        out = info
        for _ in range(repetitions):
            started, cpu = time.perf_counter(), _children_cpu()
            out = asyncio.run(video.transcode_video(src, dst, limits))
            transcode_s.append(time.perf_counter() - started)
            transcode_cpu_s.append(_children_cpu() - cpu)
            started = time.perf_counter()
            asyncio.run(video.poster_frame(dst, poster, 640))
            poster_s.append(time.perf_counter() - started)
        return VideoRun(
            seconds=info.duration,
            size=size,
            fps=fps,
            input_bitrate=info.bitrate,
            output=out,
            transcode_s=transcode_s,
            transcode_cpu_s=transcode_cpu_s,
            poster_s=poster_s,
        )
