"""What a client asks to post, and the checks it must pass before anything
is read from the database (pure: no I/O)."""

from __future__ import annotations

import dataclasses
import math
import re

from roost.accounts.records import AccountRecord
from roost.kernel.errors import ValidationFailed
from roost.statuses.content import countable_length
from roost.statuses.records import visibility_code

# The raw text may be this many times the counted limit. Links and mention
# domains count less than their length and a grapheme may hold many code
# points, so the counted limit alone bounds nothing: this cap is checked
# first, before any pattern runs over the text.
RAW_LENGTH_FACTOR = 10
# Column widths (schema.statuses): a content warning is counted with the
# text, but its raw length must also fit its column.
MAX_SPOILER = 500
MAX_PLACE_NAME = 200
# Poll limits, as /api/v1/instance announces them.
MAX_POLL_OPTIONS = 4
MAX_POLL_OPTION_CHARS = 50
MIN_POLL_EXPIRATION = 300
MAX_POLL_EXPIRATION = 2_629_746
_LANGUAGE = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*")


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class NewPoll:
    """A poll as the client sent it (``expires_in`` in seconds)."""

    options: list[str]
    expires_in: int | None
    multiple: bool = False
    hide_totals: bool = False


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class NewStatus:
    """A status to post, as the client sent it. ``visibility``, ``sensitive``
    and ``language`` left as None take the author's posting defaults."""

    author_id: int
    text: str
    visibility: str | None = None
    spoiler_text: str = ""
    sensitive: bool | None = None
    language: str | None = None
    in_reply_to_id: int | None = None
    place_name: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    idempotency_key: str | None = None
    media_ids: tuple[int, ...] = ()
    poll: NewPoll | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class Place:
    name: str | None
    latitude: float | None
    longitude: float | None


@dataclasses.dataclass(frozen=True, slots=True)
class Draft:
    """A NewStatus that passed validation, with the author's defaults applied."""

    text: str
    spoiler_text: str
    visibility: int  # records.visibility_code
    sensitive: bool
    language: str | None
    place: Place
    poll: NewPoll | None = None


def validate_poll(poll: NewPoll) -> NewPoll:
    """The Mastodon rules of a poll: 2 to 4 distinct, non-blank options of at
    most 50 characters, ending in 5 minutes to a month."""
    options = [o.strip() for o in poll.options]
    if len(options) < 2:
        raise ValidationFailed("Poll must have at least 2 options")
    if len(options) > MAX_POLL_OPTIONS:
        raise ValidationFailed(f"Poll can have at most {MAX_POLL_OPTIONS} options")
    if any(not o for o in options):
        raise ValidationFailed("Poll options can't be blank")
    if any(len(o) > MAX_POLL_OPTION_CHARS for o in options):
        raise ValidationFailed(
            f"Poll options can have at most {MAX_POLL_OPTION_CHARS} characters each"
        )
    if len(set(options)) != len(options):
        raise ValidationFailed("Poll options must be unique")
    if poll.expires_in is None:
        raise ValidationFailed("Poll expiration is required")
    if not MIN_POLL_EXPIRATION <= poll.expires_in <= MAX_POLL_EXPIRATION:
        raise ValidationFailed(
            f"Poll expiration must be between {MIN_POLL_EXPIRATION} and "
            f"{MAX_POLL_EXPIRATION} seconds"
        )
    return dataclasses.replace(poll, options=options)


def normalize_language(language: str | None) -> str | None:
    """An ISO 639 code (optionally with a region), or None: like Mastodon,
    an unusable language is dropped rather than refused."""
    if language is None:
        return None
    language = language.strip()
    if len(language) > 16 or not _LANGUAGE.fullmatch(language):
        return None
    return language.lower()


def validate_place(name: str | None, latitude: float | None, longitude: float | None) -> Place:
    """Roost's location extension: a place name and/or a point."""
    if name is not None:
        name = name.strip() or None
    if name is not None and len(name) > MAX_PLACE_NAME:
        raise ValidationFailed(
            f"Location name is too long (maximum is {MAX_PLACE_NAME} characters)"
        )
    if (latitude is None) != (longitude is None):
        raise ValidationFailed("Location needs both latitude and longitude")
    if latitude is not None and longitude is not None:
        if not math.isfinite(latitude) or not -90 <= latitude <= 90:
            raise ValidationFailed("Latitude must be between -90 and 90")
        if not math.isfinite(longitude) or not -180 <= longitude <= 180:
            raise ValidationFailed("Longitude must be between -180 and 180")
    return Place(name, latitude, longitude)


def _check_length(text: str, spoiler_text: str, max_chars: int, *, has_media: bool) -> None:
    raw_limit = max_chars * RAW_LENGTH_FACTOR
    if len(text) > raw_limit:
        raise ValidationFailed(f"Text is too long ({raw_limit} characters at most, links in full)")
    if len(spoiler_text) > MAX_SPOILER:
        raise ValidationFailed(f"Spoiler text is too long (maximum is {MAX_SPOILER} characters)")
    if not text.strip() and not has_media:
        raise ValidationFailed("Text can't be blank")
    if countable_length(text, spoiler_text=spoiler_text) > max_chars:
        raise ValidationFailed(f"Text character limit of {max_chars} exceeded")


def validate(new: NewStatus, author: AccountRecord, *, max_chars: int) -> Draft:
    """The checks of a new status that need no database, cheapest first."""
    visibility = visibility_code(new.visibility or author.default_privacy)
    if visibility is None:
        raise ValidationFailed("Visibility is not included in the list")
    spoiler_text = new.spoiler_text.strip()
    _check_length(new.text, spoiler_text, max_chars, has_media=bool(new.media_ids))
    sensitive = author.default_sensitive if new.sensitive is None else new.sensitive
    language = author.default_language if new.language is None else new.language
    return Draft(
        text=new.text,
        spoiler_text=spoiler_text,
        visibility=visibility,
        sensitive=bool(sensitive) or bool(spoiler_text),
        language=normalize_language(language),
        place=validate_place(new.place_name, new.latitude, new.longitude),
        poll=None if new.poll is None else validate_poll(new.poll),
    )
