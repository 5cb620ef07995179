"""Reading Rails-style bracket parameters (``fields_attributes[0][name]=...``,
``source[privacy]=...``) from form bodies into nested values."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from starlette.requests import Request

from roost.accounts.entities import ProfileForm
from roost.api.params import convert, form_fields, query_fields

_KEY_RE = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\]){0,3})$")
_PART_RE = re.compile(r"\[([^\[\]]*)\]")
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def expand_brackets(items: Iterable[tuple[str, Any]]) -> dict[str, Any]:
    """``a[b][c]=v`` -> ``{"a": {"b": {"c": v}}}`` and ``a[]=v`` -> ``{"a": [v]}``.

    The first value wins when a key repeats; keys that clash with an earlier
    shape (``a=1`` then ``a[b]=2``) are dropped rather than failing."""
    data: dict[str, Any] = {}
    for raw_key, value in items:
        match = _KEY_RE.match(raw_key)
        if match is None:
            continue
        path = [match.group(1), *_PART_RE.findall(match.group(2))]
        node: Any = data
        for index, part in enumerate(path):
            last = index == len(path) - 1
            if part == "":
                if last and isinstance(node, list):
                    node.append(value)
                break
            if not isinstance(node, dict):
                break
            if last:
                node.setdefault(part, value)
                break
            following = path[index + 1]
            child = node.setdefault(part, [] if following == "" else {})
            node = child
    return data


async def read_profile_form(request: Request, form: ProfileForm) -> ProfileForm:
    """``form`` as parsed, re-read with bracket keys for form-encoded bodies."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type not in _FORM_TYPES:
        return form
    # The fields parsed (and checked) for ``form``: the body is not read again.
    items = [*await form_fields(request), *query_fields(request)]
    return convert(expand_brackets(items), ProfileForm)


def field_pairs(form: ProfileForm) -> list[tuple[str, str]] | None:
    """The profile fields in the order given, or None when not being changed."""
    given = form.fields_attributes
    if given is None:
        return None
    entries = list(given.values()) if isinstance(given, dict) else given
    return [(entry.name, entry.value) for entry in entries]
