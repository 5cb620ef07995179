"""Still images: safe decoding, orientation, metadata stripping, resizing,
preview and blurhash. Synchronous and CPU-bound: callers run it in a worker
thread (see ``roost.media.pipeline``), never in a request.

Two libraries, each where it is best (docs/benchmarks.md, "Images"):
libvips (pyvips) does the heavy work of photos, decoding with shrink-on-load
and resizing in about 60% of Pillow's CPU time and two thirds of its memory
on a 12 MP JPEG; Pillow reads headers (the pixel limit, in the request too),
tells animated GIFs apart, computes the blurhash of the small preview and
makes avatars and headers (animated GIFs frame by frame).

Safety. The pixel count is checked from the header before anything is
decoded (Pillow's decompression-bomb guard is set to the same limit), only
the four formats Roost accepts are opened, libvips' loaders that are not
meant for untrusted input are blocked, and a truncated file is refused
(``fail_on="truncated"``; Pillow's ``LOAD_TRUNCATED_IMAGES`` off).

Privacy. What is stored keeps no metadata at all (``keep="none"``; Pillow
saves re-encoded pixels only): no EXIF (GPS position, camera serial), XMP,
IPTC, comments or text chunks survive. The orientation EXIF asked for is
applied to the pixels first, and a colour profile is converted to sRGB.
"""

from __future__ import annotations

import dataclasses
import io
import logging
import math
from pathlib import Path
from typing import Any

import blurhash
import numpy
import pyvips
from PIL import Image, ImageCms, ImageFile, ImageOps, ImageSequence, UnidentifiedImageError

from roost.kernel.errors import Unprocessable

FORMATS = ("JPEG", "PNG", "GIF", "WEBP")
# Stored originals fit this box and pixel count (Mastodon's class of limit).
MAX_SIDE = 3840
MAX_STORED_PIXELS = 16_777_216
PREVIEW_SIDE = 640
JPEG_QUALITY = 85
PREVIEW_QUALITY = 80
BLURHASH_SIDE = 32
BLURHASH_COMPONENTS = (4, 3)

# Never decode a file that ends early: refuse it.
ImageFile.LOAD_TRUNCATED_IMAGES = False
# Only libvips' loaders fit for untrusted input (no ImageMagick, Matlab...).
pyvips.block_untrusted_set(True)
# libvips reports every step of its work at INFO: only its warnings matter.
logging.getLogger("pyvips").setLevel(logging.WARNING)

_DECODE_ERRORS = (
    OSError,
    SyntaxError,
    ValueError,
    EOFError,
    Image.DecompressionBombError,
    UnidentifiedImageError,
)


@dataclasses.dataclass(frozen=True, slots=True)
class Output:
    """One written image file."""

    path: Path
    content_type: str
    extension: str
    width: int
    height: int

    def meta(self) -> dict[str, Any]:
        return dimensions(self.width, self.height)


@dataclasses.dataclass(frozen=True, slots=True)
class ProcessedImage:
    original: Output
    small: Output
    blurhash: str


def dimensions(width: int, height: int) -> dict[str, Any]:
    """Mastodon's meta shape for one size."""
    return {
        "width": width,
        "height": height,
        "size": f"{width}x{height}",
        "aspect": round(width / height, 6) if height else 0,
    }


def _open(path: Path, max_pixels: int) -> Image.Image:
    """The image at ``path``, header read, pixels not yet decoded; refuses
    unknown formats and more than ``max_pixels`` pixels."""
    Image.MAX_IMAGE_PIXELS = max_pixels
    try:
        image = Image.open(path, formats=FORMATS)
    except Image.DecompressionBombError:
        raise Unprocessable(_too_many_pixels(max_pixels)) from None
    except _DECODE_ERRORS:
        raise Unprocessable("The file is not an image that can be read") from None
    width, height = image.size
    if width < 1 or height < 1 or width * height > max_pixels:
        image.close()
        raise Unprocessable(_too_many_pixels(max_pixels))
    return image


def _too_many_pixels(max_pixels: int) -> str:
    return f"The image is too large: at most {max_pixels:,} pixels".replace(",", " ")


def check_header(path: Path, *, max_pixels: int) -> tuple[str, int, int]:
    """(format, width, height) from the header alone: cheap enough for a
    request, and it refuses decompression bombs before anything is stored."""
    with _open(path, max_pixels) as image:
        return str(image.format), image.width, image.height


def is_animated_gif(path: Path, *, max_pixels: int) -> bool:
    with _open(path, max_pixels) as image:
        if image.format != "GIF":
            return False
        try:
            return bool(getattr(image, "is_animated", False))
        except _DECODE_ERRORS:
            raise Unprocessable("The GIF could not be read") from None


def _to_srgb(image: Image.Image) -> Image.Image:
    """Pixels converted from an embedded colour profile to sRGB (best effort)."""
    icc = image.info.get("icc_profile")
    if not icc or image.mode not in ("RGB", "RGBA"):
        return image
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        target = ImageCms.createProfile("sRGB")
        converted = ImageCms.profileToProfile(image, source, target, outputMode=image.mode)
    except (ImageCms.PyCMSError, OSError, ValueError):
        return image
    return converted if converted is not None else image


def _decode(path: Path, max_pixels: int, *, fit: int) -> Image.Image:
    """Decoded, oriented, sRGB pixels in RGB or RGBA, without any metadata,
    scaled (if needed) to fit ``fit`` px and ``MAX_STORED_PIXELS``."""
    with _open(path, max_pixels) as image:
        try:
            if image.format == "JPEG":
                # Let the JPEG decoder skip detail the result will not keep.
                image.draft("RGB", (fit, fit))
            image.load()
            oriented = ImageOps.exif_transpose(image)
            has_alpha = oriented.mode in ("RGBA", "LA", "PA") or (
                oriented.mode == "P" and "transparency" in oriented.info
            )
            pixels = oriented.convert("RGBA" if has_alpha else "RGB")
            pixels.info["icc_profile"] = image.info.get("icc_profile")
            pixels = _to_srgb(pixels)
        except _DECODE_ERRORS:
            raise Unprocessable("The image is damaged or truncated") from None
    width, height = pixels.size
    scale = min(1.0, fit / max(width, height), (MAX_STORED_PIXELS / (width * height)) ** 0.5)
    if scale < 1.0:
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        pixels = pixels.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)
    # A fresh image from the bare pixels: nothing of the file's info remains.
    clean = Image.new(pixels.mode, pixels.size)
    clean.paste(pixels)
    return clean


def _save(image: Image.Image, out: Path, *, lossless: bool, quality: int) -> Output:
    if lossless or image.mode == "RGBA":
        target = out.with_suffix(".png")
        image.save(target, "PNG", optimize=False, compress_level=6)
        return Output(target, "image/png", "png", image.width, image.height)
    target = out.with_suffix(".jpg")
    image.save(target, "JPEG", quality=quality, optimize=True)
    return Output(target, "image/jpeg", "jpg", image.width, image.height)


def compute_blurhash(image: Image.Image) -> str:
    small = image.convert("RGB")
    small.thumbnail((BLURHASH_SIDE, BLURHASH_SIDE), Image.Resampling.BILINEAR)
    x, y = BLURHASH_COMPONENTS
    rows = numpy.asarray(small).tolist()
    return str(blurhash.encode(rows, components_x=x, components_y=y))


def _vips_scaled(source: Path, max_pixels: int, *, fit: int) -> pyvips.Image:
    """Decoded (lazily), oriented, sRGB pixels scaled to fit ``fit`` px and
    ``MAX_STORED_PIXELS``, the first frame of an animation."""
    with _open(source, max_pixels) as header:
        width, height = header.size
        # Converting colours costs nine times the rest: only for an image
        # that says it is not sRGB (an embedded profile).
        profiled = bool(header.info.get("icc_profile"))
    scale = min(1.0, fit / max(width, height), (MAX_STORED_PIXELS / (width * height)) ** 0.5)
    side = max(1, math.floor(max(width, height) * scale))
    try:
        return pyvips.Image.thumbnail(
            str(source),
            side,
            height=side,
            size="down",
            fail_on="truncated",
            **({"export_profile": "srgb"} if profiled else {}),
        )
    except pyvips.Error:
        raise Unprocessable("The image is damaged or truncated") from None


def _vips_save(image: pyvips.Image, out: Path, *, lossless: bool, quality: int) -> Output:
    """Encoded without any metadata; PNG for lossless sources and alpha."""
    try:
        if lossless or image.hasalpha():
            target = out.with_suffix(".png")
            image.pngsave(str(target), compression=6, keep="none")
            return Output(target, "image/png", "png", image.width, image.height)
        target = out.with_suffix(".jpg")
        image.jpegsave(str(target), Q=quality, optimize_coding=True, keep="none")
    except pyvips.Error:
        # Decoding is lazy: a damaged file shows here.
        raise Unprocessable("The image is damaged or truncated") from None
    return Output(target, "image/jpeg", "jpg", image.width, image.height)


def _vips_preview(source: Path, workdir: Path, max_pixels: int) -> tuple[Output, str]:
    small = _vips_save(
        _vips_scaled(source, max_pixels, fit=PREVIEW_SIDE),
        workdir / "small",
        lossless=False,
        quality=PREVIEW_QUALITY,
    )
    with Image.open(small.path, formats=("JPEG", "PNG")) as image:
        return small, compute_blurhash(image)


def process_image(source: Path, workdir: Path, *, max_pixels: int) -> ProcessedImage:
    """The stored original and its preview, written into ``workdir``."""
    with _open(source, max_pixels) as probe:
        lossless = probe.format == "PNG"
    image = _vips_scaled(source, max_pixels, fit=MAX_SIDE)
    original = _vips_save(image, workdir / "original", lossless=lossless, quality=JPEG_QUALITY)
    small, hashed = _vips_preview(source, workdir, max_pixels)
    return ProcessedImage(original, small, hashed)


def preview_from(source: Path, workdir: Path, *, max_pixels: int) -> tuple[Output, str]:
    """A preview and blurhash from an image (a custom thumbnail, a video's
    poster frame)."""
    return _vips_preview(source, workdir, max_pixels)


@dataclasses.dataclass(frozen=True, slots=True)
class ProfileImage:
    """An avatar or header: ``image`` (animated GIF when the upload was one)
    and ``static`` (its first frame; None when ``image`` is already static)."""

    image: Output
    static: Output | None


MAX_PROFILE_FRAMES = 200


def _fit(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    """Cropped to fill ``size`` (never enlarged past the source)."""
    scale = min(1.0, max(image.width / size[0], image.height / size[1]))
    target = (max(1, round(size[0] * scale)), max(1, round(size[1] * scale)))
    return ImageOps.fit(image, target, Image.Resampling.LANCZOS)


def profile_image(
    source: Path, workdir: Path, *, max_pixels: int, size: tuple[int, int]
) -> ProfileImage:
    """An avatar (``size`` 400x400) or header (1500x500) from an upload,
    cropped to fill ``size``; an animated GIF stays animated (each frame
    cropped, at most ``MAX_PROFILE_FRAMES``), with a static first frame."""
    animated = is_animated_gif(source, max_pixels=max_pixels)
    static = _fit(_decode(source, max_pixels, fit=max(size) * 2), size)
    # The still of an animation is always a PNG (its name is derived).
    still = _save(static, workdir / "static", lossless=animated, quality=JPEG_QUALITY)
    if not animated:
        return ProfileImage(still, None)
    with _open(source, max_pixels) as image:
        try:
            frames: list[Image.Image] = []
            durations: list[int] = []
            for frame in ImageSequence.Iterator(image):
                if len(frames) >= MAX_PROFILE_FRAMES:
                    break
                durations.append(int(frame.info.get("duration", 100)))
                frames.append(_fit(frame.convert("RGBA"), size))
        except _DECODE_ERRORS:
            raise Unprocessable("The GIF is damaged or truncated") from None
    target = workdir / "animated.gif"
    frames[0].save(
        target, "GIF", save_all=True, append_images=frames[1:], duration=durations, loop=0
    )
    moving = Output(target, "image/gif", "gif", frames[0].width, frames[0].height)
    return ProfileImage(moving, still)
