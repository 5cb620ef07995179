"""``roost bench images``: Pillow against libvips (pyvips) on a 12 MP JPEG.

The work is what a media job does to a phone photo: decode, apply the EXIF
orientation, scale to fit 3840 px, encode a JPEG without metadata, and make a
640 px preview. Each library runs in a fresh child process, so that its peak
memory is its own: the high-water mark of the child's resident set (from
/proc, reset after the imports) less what it held before the first photo.
The times are medians of the repetitions, wall clock and CPU (the steadier
figure on a shared machine); libvips' thread pool is held to one thread, as
Pillow has one (a worker processes several uploads side by side instead).

Roost's own pipeline (``roost.media.images.process_image``: libvips, and
the blurhash of the preview) is measured as well.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy

WIDTH, HEIGHT = 4000, 3000  # 12 MP, a phone camera's 4:3
MAX_SIDE = 3840
PREVIEW_SIDE = 640


@dataclasses.dataclass(frozen=True, slots=True)
class Measured:
    library: str
    seconds: list[float]  # wall clock per photo
    cpu_seconds: list[float]  # CPU time per photo (every thread of the child)
    peak_mib: float

    @property
    def median_ms(self) -> float:
        return statistics.median(self.seconds) * 1000

    @property
    def median_cpu_ms(self) -> float:
        return statistics.median(self.cpu_seconds) * 1000


def make_photo(path: Path, seed: int = 0, *, size: tuple[int, int] = (WIDTH, HEIGHT)) -> int:
    """A 12 MP JPEG with a photo's structure (smooth shapes and sensor
    noise, so that it compresses like one); returns its size in bytes."""
    from PIL import Image

    rng = numpy.random.default_rng(seed)
    width, height = size
    y, x = numpy.mgrid[0:height, 0:width].astype(numpy.float32)
    base = numpy.stack(
        [
            128 + 100 * numpy.sin(x / 311) * numpy.cos(y / 197),
            128 + 90 * numpy.cos(x / 523 + y / 389),
            128 + 80 * numpy.sin((x + y) / 701),
        ],
        axis=-1,
    )
    noise = rng.normal(0, 12, size=base.shape).astype(numpy.float32)
    pixels = numpy.clip(base + noise, 0, 255).astype(numpy.uint8)
    exif = Image.Exif()
    exif[0x0112] = 1  # orientation: as stored
    Image.fromarray(pixels, "RGB").save(path, "JPEG", quality=92, exif=exif.tobytes())
    return path.stat().st_size


def _status_kib(field: str) -> int:
    """A memory figure of this process from /proc (Linux), in KiB."""
    text = Path("/proc/self/status").read_text()
    return int(text.split(field + ":", 1)[1].split()[0])


def _reset_peak() -> None:
    """Start the peak (VmHWM) again from the current resident set: a child
    inherits its parent's peak across exec."""
    Path("/proc/self/clear_refs").write_text("5")


def _pillow(source: Path, out: Path) -> None:
    from PIL import Image, ImageOps

    with Image.open(source) as image:
        image.draft("RGB", (MAX_SIDE, MAX_SIDE))
        oriented = ImageOps.exif_transpose(image).convert("RGB")
    oriented.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS, reducing_gap=3.0)
    oriented.save(out / "original.jpg", "JPEG", quality=85, optimize=True)
    oriented.thumbnail((PREVIEW_SIDE, PREVIEW_SIDE), Image.Resampling.LANCZOS, reducing_gap=3.0)
    oriented.save(out / "small.jpg", "JPEG", quality=80, optimize=True)


def _roost(source: Path, out: Path) -> None:
    from roost.media.images import process_image

    process_image(source, out, max_pixels=33_177_600)


def _vips(source: Path, out: Path) -> None:
    import pyvips

    image = pyvips.Image.thumbnail(str(source), MAX_SIDE, height=MAX_SIDE, size="down")
    image.jpegsave(str(out / "original.jpg"), Q=85, strip=True, optimize_coding=True)
    small = pyvips.Image.thumbnail(str(source), PREVIEW_SIDE, height=PREVIEW_SIDE, size="down")
    small.jpegsave(str(out / "small.jpg"), Q=80, strip=True, optimize_coding=True)


LIBRARIES: dict[str, Callable[[Path, Path], None]] = {
    "Pillow": _pillow,
    "Roost's pipeline (libvips, blurhash)": _roost,
    "libvips (pyvips)": _vips,
}


def _child(
    name: str, source: str, repetitions: int, results: multiprocessing.Queue[object]
) -> None:
    os.environ["VIPS_CONCURRENCY"] = "1"
    work = LIBRARIES[name]
    if not name.startswith("Pillow"):
        import pyvips

        pyvips.cache_set_max(0)  # measure the work, not the cache
    else:
        import PIL.Image  # noqa: F401
    _reset_peak()
    before = _status_kib("VmRSS")
    seconds: list[float] = []
    cpu: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(repetitions):
            started, cpu_started = time.perf_counter(), time.process_time()
            work(Path(source), Path(tmp))
            seconds.append(time.perf_counter() - started)
            cpu.append(time.process_time() - cpu_started)
    results.put((seconds, cpu, (_status_kib("VmHWM") - before) / 1024))


def measure(name: str, source: Path, repetitions: int) -> Measured:
    context = multiprocessing.get_context("spawn")
    results: multiprocessing.Queue[object] = context.Queue()
    process = context.Process(target=_child, args=(name, str(source), repetitions, results))
    process.start()
    found = results.get(timeout=600)
    process.join()
    assert isinstance(found, tuple)
    seconds, cpu, peak = found
    return Measured(name, list(seconds), list(cpu), float(peak))


def run(repetitions: int, *, size: tuple[int, int] = (WIDTH, HEIGHT)) -> tuple[int, list[Measured]]:
    """Make the photo, then measure every library on it: (its bytes, figures)."""
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "photo.jpg"
        photo_bytes = make_photo(source, size=size)
        return photo_bytes, [measure(name, source, repetitions) for name in LIBRARIES]
