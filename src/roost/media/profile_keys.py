"""Blob keys of avatars and headers (no imports: account serializers use it).

An account row holds the key of its picture: ``avatars/<account>/<token>/
static.<ext>`` for a still one, ``.../animated.gif`` for an animated GIF,
whose first frame is ``.../static.png`` beside it.
"""

from __future__ import annotations

STATIC_NAME = "static"
ANIMATED_NAME = "animated.gif"
FOLDERS = ("avatars/", "headers/")


def is_profile_key(value: str) -> bool:
    return value.startswith(FOLDERS)


def static_key(key: str) -> str:
    """The still picture of a stored profile picture (itself when still)."""
    folder, _, name = key.rpartition("/")
    return f"{folder}/{STATIC_NAME}.png" if name == ANIMATED_NAME else key


def profile_keys(value: str) -> list[str]:
    """The blobs of a stored profile picture (none for a default or a URL)."""
    if not is_profile_key(value):
        return []
    still = static_key(value)
    return [value] if still == value else [value, still]
