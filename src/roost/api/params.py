"""Request parsing: query strings, forms and JSON into typed msgspec Structs.

Mastodon clients send the same parameters as ``name[]=a&name[]=b`` forms
(Mastodon.py), as JSON (toot), and booleans as ``1/0``, ``true/false`` or
``True/False``. Everything is normalised here, and any problem becomes a
422 (bad values) or 400 (unreadable body) in the Mastodon error shape.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

import msgspec
from starlette.datastructures import UploadFile
from starlette.requests import Request

from roost.api.errors import ApiError

T = TypeVar("T", bound=msgspec.Struct)

MAX_BODY_BYTES = 1_000_000


def _list_fields(kind: type[msgspec.Struct]) -> frozenset[str]:
    info = msgspec.inspect.type_info(kind)
    assert isinstance(info, msgspec.inspect.StructType)
    names = set()
    for field in info.fields:
        field_type = field.type
        if isinstance(field_type, msgspec.inspect.UnionType):
            inner = [t for t in field_type.types if not isinstance(t, msgspec.inspect.NoneType)]
            field_type = inner[0] if len(inner) == 1 else field_type
        if isinstance(field_type, msgspec.inspect.ListType | msgspec.inspect.SetType):
            names.add(field.encode_name)
    return frozenset(names)


_LIST_FIELDS: dict[type[msgspec.Struct], frozenset[str]] = {}


def _normalise(items: Iterable[tuple[str, Any]], kind: type[msgspec.Struct]) -> dict[str, Any]:
    """Fold multi-value pairs into a dict, honouring ``name[]`` list syntax."""
    list_fields = _LIST_FIELDS.get(kind)
    if list_fields is None:
        list_fields = _LIST_FIELDS[kind] = _list_fields(kind)
    data: dict[str, Any] = {}
    for raw_key, value in items:
        key = raw_key[:-2] if raw_key.endswith("[]") else raw_key
        if isinstance(value, UploadFile):
            continue
        if key in list_fields:
            data.setdefault(key, []).append(value)
        elif key not in data:
            data[key] = value
    return data


def convert(data: Any, kind: type[T]) -> T:
    try:
        return msgspec.convert(data, kind, strict=False)
    except msgspec.ValidationError as exc:
        raise ApiError(422, f"Validation failed: {exc}") from None


def parse_query(request: Request, kind: type[T]) -> T:
    return convert(_normalise(request.query_params.multi_items(), kind), kind)


async def parse_body(request: Request, kind: type[T]) -> T:
    """Parse a JSON or form body; query parameters fill in what the body lacks."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    data: dict[str, Any]
    if content_type == "application/json":
        raw = await request.body()
        if len(raw) > MAX_BODY_BYTES:
            raise ApiError(413, "Request body too large")
        if raw.strip():
            try:
                decoded = msgspec.json.decode(raw)
            except msgspec.DecodeError:
                raise ApiError(400, "Malformed JSON body") from None
            if not isinstance(decoded, dict):
                raise ApiError(400, "JSON body must be an object")
            data = {(k[:-2] if k.endswith("[]") else k): v for k, v in decoded.items()}
        else:
            data = {}
    elif content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        try:
            form = await request.form(max_files=8, max_fields=200)
        except Exception:  # multipart parser errors vary by version
            raise ApiError(400, "Malformed form body") from None
        data = _normalise(form.multi_items(), kind)
    else:
        data = {}
    for key, value in _normalise(request.query_params.multi_items(), kind).items():
        data.setdefault(key, value)
    return convert(data, kind)
