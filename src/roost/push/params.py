"""Reading the push subscription forms: Rails-style bracket keys
(``subscription[keys][p256dh]``, ``data[alerts][admin.sign_up]``) in form
bodies become the nested values JSON clients send."""

from __future__ import annotations

from typing import Any, TypeVar

import msgspec
from starlette.requests import Request

from roost.accounts.params import expand_brackets
from roost.api.params import convert, form_fields, query_fields

F = TypeVar("F", bound=msgspec.Struct)
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


async def read_bracket_form(request: Request, form: F) -> F:
    """``form`` as parsed, re-read with bracket keys for form bodies and
    query strings (the body's fields win)."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    items = list(query_fields(request))
    if content_type in _FORM_TYPES:
        items = [*await form_fields(request), *items]
    elif not any("[" in key for key, _ in items):
        return form
    expanded = expand_brackets(items)
    if content_type not in _FORM_TYPES:
        # A JSON body: its own values win over the query string's.
        _merge(expanded, msgspec.to_builtins(form))
    return convert(expanded, type(form))


def _merge(into: dict[str, Any], given: dict[str, Any]) -> None:
    for key, value in given.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        elif value is not None:
            into[key] = value
