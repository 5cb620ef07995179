"""What uploads may be: the numbers the media domain enforces, stated once
so the instance entity tells clients exactly these."""

from __future__ import annotations

from roost.config import Settings
from roost.media.attach import MAX_IMAGES
from roost.media.service import MAX_DESCRIPTION
from roost.media.video import DEFAULT_LIMITS

# What sniffing accepts (roost.media.sniff); GIFs become gifv (MP4).
SUPPORTED_MIME_TYPES = (
    "image/jpeg",
    "image/png",
    "image/gif",
    "image/webp",
    "video/mp4",
    "video/quicktime",
    "video/webm",
)
# Videos accepted (roost.media.video): frames per second and pixels per frame.
VIDEO_FRAME_RATE_LIMIT = int(DEFAULT_LIMITS.max_input_fps)
VIDEO_MATRIX_LIMIT = DEFAULT_LIMITS.max_input_pixels


def image_size_limit(settings: Settings) -> int:
    return settings.media_max_image_bytes


def video_size_limit(settings: Settings) -> int:
    return settings.media_max_video_bytes


def image_matrix_limit(settings: Settings) -> int:
    return settings.media_max_image_pixels


MAX_ATTACHMENTS = MAX_IMAGES
DESCRIPTION_LIMIT = MAX_DESCRIPTION
