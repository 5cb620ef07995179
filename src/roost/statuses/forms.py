"""Request bodies and query strings of the statuses endpoints."""

from __future__ import annotations

from typing import Any, TypeVar

import msgspec

from roost.kernel.errors import NotFound, ValidationFailed
from roost.kernel.idtext import parse_id
from roost.media.service import check_description, parse_focus
from roost.statuses.drafts import NewPoll

T = TypeVar("T")


class LocationForm(msgspec.Struct, kw_only=True):
    """Roost extension, as a JSON object: ``"location": {"name", "latitude", "longitude"}``."""

    name: str | None = None
    latitude: float | None = None
    longitude: float | None = None


class PostStatusForm(msgspec.Struct, kw_only=True):
    """``POST /api/v1/statuses``.

    The location can be sent three ways: a JSON object ``location``, the form
    fields ``location[name]``, ``location[latitude]``, ``location[longitude]``,
    or flat ``place_name``, ``latitude``, ``longitude``.
    """

    status: str | None = None
    media_ids: list[str | int] | None = None
    in_reply_to_id: str | int | None = None
    visibility: str | None = None
    sensitive: bool | None = None
    spoiler_text: str | None = None
    language: str | None = None
    scheduled_at: str | None = None
    location: LocationForm | None = None
    location_name: str | None = msgspec.field(name="location[name]", default=None)
    location_latitude: float | None = msgspec.field(name="location[latitude]", default=None)
    location_longitude: float | None = msgspec.field(name="location[longitude]", default=None)
    place_name: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    # A poll, as JSON ``"poll": {...}`` or as ``poll[options][]=...`` form fields.
    poll: dict[str, Any] | None = None
    poll_options: list[str] | None = msgspec.field(name="poll[options]", default=None)
    poll_expires_in: str | int | None = msgspec.field(name="poll[expires_in]", default=None)
    poll_multiple: str | bool | None = msgspec.field(name="poll[multiple]", default=None)
    poll_hide_totals: str | bool | None = msgspec.field(name="poll[hide_totals]", default=None)

    def has_poll(self) -> bool:
        """Whether the client asked for a poll (an empty or null one does not count)."""
        return bool(self.poll or self.poll_options) or any(
            value not in (None, "")
            for value in (self.poll_expires_in, self.poll_multiple, self.poll_hide_totals)
        )

    def new_poll(self) -> NewPoll | None:
        """The poll asked for (None when none), whichever shape was used."""
        return parse_poll(
            self.has_poll(),
            self.poll,
            self.poll_options,
            self.poll_expires_in,
            self.poll_multiple,
            self.poll_hide_totals,
        )

    def place(self) -> tuple[str | None, float | None, float | None]:
        """(name, latitude, longitude), whichever shape the client used."""
        nested = self.location or LocationForm()
        return (
            _first(nested.name, self.location_name, self.place_name),
            _first(nested.latitude, self.location_latitude, self.latitude),
            _first(nested.longitude, self.location_longitude, self.longitude),
        )


def _flag(value: Any, name: str) -> bool:
    if value is None or value == "":
        return False
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "1", "on"):
        return True
    if text in ("false", "0", "off"):
        return False
    raise ValidationFailed(f"poll[{name}] must be a boolean")


def _seconds(value: Any) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValidationFailed("poll[expires_in] must be a number of seconds")
    try:
        return int(str(value).strip()) if not isinstance(value, int) else value
    except ValueError:
        raise ValidationFailed("poll[expires_in] must be a number of seconds") from None


def parse_poll(
    asked: bool,
    nested: dict[str, Any] | None,
    options: list[str] | None,
    expires_in: Any,
    multiple: Any,
    hide_totals: Any,
) -> NewPoll | None:
    """A NewPoll from the JSON object or the flat form fields (not validated
    beyond the types: see ``drafts.validate_poll``)."""
    if not asked:
        return None
    body = nested or {}
    raw_options = body.get("options", options) or []
    if not isinstance(raw_options, list) or not all(isinstance(o, str) for o in raw_options):
        raise ValidationFailed("poll[options] must be a list of strings")
    return NewPoll(
        options=list(raw_options),
        expires_in=_seconds(body.get("expires_in", expires_in)),
        multiple=_flag(body.get("multiple", multiple), "multiple"),
        hide_totals=_flag(body.get("hide_totals", hide_totals), "hide_totals"),
    )


class RescheduleForm(msgspec.Struct, kw_only=True):
    """``PUT /api/v1/scheduled_statuses/:id``."""

    scheduled_at: str | None = None


class VoteForm(msgspec.Struct, kw_only=True):
    """``POST /api/v1/polls/:id/votes``: the chosen option numbers."""

    choices: list[str | int] = []


def _first(*values: T | None) -> T | None:
    for value in values:
        if value is not None:
            return value
    return None


class MediaAttributes(msgspec.Struct, kw_only=True):
    id: str | int
    description: str | None = None
    focus: str | None = None


class EditStatusForm(msgspec.Struct, kw_only=True):
    """``PUT /api/v1/statuses/:id``: what an edit may change (visibility and
    the parent may not). Absent ``sensitive`` and ``language`` keep theirs."""

    status: str | None = None
    spoiler_text: str | None = None
    sensitive: bool | None = None
    language: str | None = None
    media_ids: list[str | int] | None = None
    # JSON: [{"id", "description", "focus"}] for the status's own attachments.
    media_attributes: list[MediaAttributes] | None = None
    poll: dict[str, Any] | None = None
    poll_options: list[str] | None = msgspec.field(name="poll[options]", default=None)
    poll_expires_in: str | int | None = msgspec.field(name="poll[expires_in]", default=None)
    poll_multiple: str | bool | None = msgspec.field(name="poll[multiple]", default=None)
    poll_hide_totals: str | bool | None = msgspec.field(name="poll[hide_totals]", default=None)

    def has_poll(self) -> bool:
        return bool(self.poll or self.poll_options) or any(
            value not in (None, "")
            for value in (self.poll_expires_in, self.poll_multiple, self.poll_hide_totals)
        )

    def new_poll(self) -> NewPoll | None:
        return parse_poll(
            self.has_poll(),
            self.poll,
            self.poll_options,
            self.poll_expires_in,
            self.poll_multiple,
            self.poll_hide_totals,
        )


class ReblogForm(msgspec.Struct, kw_only=True):
    visibility: str | None = None


class StatusesQuery(msgspec.Struct, kw_only=True):
    """``GET /api/v1/statuses?id[]=...``"""

    id: list[str | int] = []


def parse_media_ids(raw: list[str | int] | None) -> tuple[int, ...]:
    """The attachment ids of a new status (empty values ignored); 422 for an
    id that cannot exist."""
    ids: list[int] = []
    for value in raw or ():
        if value == "":
            continue
        parsed = parse_id(value)
        if parsed is None:
            raise ValidationFailed(f"Media {value!r} does not exist")
        ids.append(parsed)
    return tuple(ids)


def parse_media_attributes(
    raw: list[MediaAttributes] | None,
) -> tuple[tuple[int, str | None, tuple[float, float] | None], ...]:
    """(id, description, focus) of each ``media_attributes[]`` entry."""
    found = []
    for entry in raw or ():
        media_id = parse_id(entry.id)
        if media_id is None:
            raise ValidationFailed(f"Media {entry.id!r} does not exist")
        found.append((media_id, check_description(entry.description), parse_focus(entry.focus)))
    return tuple(found)


def parse_status_id(raw: str | int | None) -> int | None:
    """A status id sent in a body: None when absent, 404 when it cannot exist."""
    if raw is None or raw == "":
        return None
    value = parse_id(raw)
    if value is None:
        raise NotFound()
    return value
