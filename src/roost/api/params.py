"""Request parsing: query strings, forms and JSON into typed msgspec Structs.

Mastodon clients send the same parameters as ``name[]=a&name[]=b`` forms
(Mastodon.py), as JSON (toot), and booleans as ``1/0``, ``true/false`` or
``True/False``. Everything is normalised here, and any problem becomes a
Mastodon error, never a 500:

- a body is read up to ``MAX_BODY_BYTES`` and no further (413), a query
  string up to ``MAX_QUERY_BYTES`` (414);
- an unreadable body or query string is a 400: malformed JSON or multipart,
  invalid UTF-8 (also percent-encoded), JSON nested deeper than
  ``MAX_JSON_DEPTH``, more than ``MAX_FIELDS`` fields;
- a NUL character in any name or value is a 422, the one rule for every
  endpoint and database (PostgreSQL text cannot hold NUL, SQLite can);
- a value of the wrong type is a 422.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable
from typing import Any, TypeVar
from urllib.parse import parse_qsl

import msgspec
from python_multipart.exceptions import FormParserError
from starlette.requests import Request

from roost.api.errors import ApiError
from roost.api.multipart import MultipartLimits, multipart_fields
from roost.kernel.bytememo import ByteMemo
from roost.kernel.errors import ValidationFailed

T = TypeVar("T", bound=msgspec.Struct)

MAX_BODY_BYTES = 1_000_000
MAX_QUERY_BYTES = 16_384
MAX_FIELDS = 200
MAX_FILES = 8
MAX_JSON_DEPTH = 32

_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
# Parsed once per request: a handler that re-reads the form with its own
# key syntax (accounts' bracket keys) gets the same checked fields.
FORM_KEY = "roost.form_fields"
_QUERY_KEY = "roost.query_fields"


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


def _normalise(items: Iterable[tuple[str, str]], kind: type[msgspec.Struct]) -> dict[str, Any]:
    """Fold multi-value pairs into a dict, honouring ``name[]`` list syntax."""
    list_fields = _LIST_FIELDS.get(kind)
    if list_fields is None:
        list_fields = _LIST_FIELDS[kind] = _list_fields(kind)
    data: dict[str, Any] = {}
    for raw_key, value in items:
        key = raw_key[:-2] if raw_key.endswith("[]") else raw_key
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


def _nul_error(name: str) -> ValidationFailed:
    shown = name.replace("\x00", "\\0") or "a parameter name"
    return ValidationFailed(
        f"{shown} contains a NUL character",
        details={shown: [{"error": "ERR_INVALID", "description": "contains a NUL character"}]},
    )


def _refuse_nul(items: Iterable[tuple[str, str]]) -> None:
    for key, value in items:
        if "\x00" in key or "\x00" in value:
            raise _nul_error(key)


def _split_pairs(text: str, what: str) -> list[tuple[str, str]]:
    """``a=1&b=2`` with strict percent-decoding: invalid UTF-8 is refused, not
    replaced (a replacement character would be stored as if sent)."""
    try:
        return parse_qsl(text, keep_blank_values=True, errors="strict", max_num_fields=MAX_FIELDS)
    except UnicodeDecodeError:
        raise ApiError(400, f"Malformed {what}: invalid UTF-8") from None
    except ValueError:  # more fields than max_num_fields
        raise ApiError(400, f"Malformed {what}: more than {MAX_FIELDS} fields") from None


def _checked_fields(raw: bytes) -> list[tuple[str, str]]:
    if len(raw) > MAX_QUERY_BYTES:
        raise ApiError(414, "Query string too long")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ApiError(400, "Malformed query string: invalid UTF-8") from None
    fields = _split_pairs(text, "query string")
    _refuse_nul(fields)
    return fields


def query_fields(request: Request) -> list[tuple[str, str]]:
    """The query string's (name, value) pairs, checked."""
    cached: list[tuple[str, str]] | None = request.scope.get(_QUERY_KEY)
    if cached is not None:
        return cached
    fields = _checked_fields(request.scope.get("query_string", b""))
    request.scope[_QUERY_KEY] = fields
    return fields


# Parsed query strings by kind and raw bytes: a timeline client asks for the
# same few (``limit=20``, ``limit=40&only_media=true``) all the time. Only
# kinds of scalar fields, and each caller gets its own copy, so a handler
# changing its query cannot change another's. Short strings only
# (cursors make most long ones unique), and never one carrying a token.
_MEMO_LIMIT = 1_024
_MEMO_MAX_BYTES = 128
_memos: dict[type[msgspec.Struct], ByteMemo[Any] | None] = {}


_SCALARS = (
    msgspec.inspect.StrType,
    msgspec.inspect.IntType,
    msgspec.inspect.BoolType,
    msgspec.inspect.FloatType,
    msgspec.inspect.NoneType,
    msgspec.inspect.LiteralType,
    msgspec.inspect.EnumType,
)


def _scalars_only(kind: type[msgspec.Struct]) -> bool:
    """Whether every field holds a scalar (a shallow copy is a full one)."""
    info = msgspec.inspect.type_info(kind)
    assert isinstance(info, msgspec.inspect.StructType)
    for field in info.fields:
        field_type = field.type
        types = (
            field_type.types if isinstance(field_type, msgspec.inspect.UnionType) else (field_type,)
        )
        if not all(isinstance(t, _SCALARS) for t in types):
            return False
    return True


def _memo_of(kind: type[T]) -> ByteMemo[T] | None:
    if kind in _memos:
        return _memos[kind]
    memo: ByteMemo[T] | None = None
    if _scalars_only(kind):

        def parse(raw: bytes) -> T:
            return convert(_normalise(_checked_fields(raw), kind), kind)

        memo = ByteMemo(parse, _MEMO_LIMIT)
    _memos[kind] = memo
    return memo


def parse_query(request: Request, kind: type[T]) -> T:
    raw: bytes = request.scope.get("query_string", b"")
    if len(raw) <= _MEMO_MAX_BYTES and b"access_token" not in raw:
        memo = _memo_of(kind)
        if memo is not None:
            return copy.copy(memo(raw))
    return convert(_normalise(query_fields(request), kind), kind)


def _too_large() -> ApiError:
    return ApiError(413, "Request body too large")


async def read_body(request: Request) -> bytes:
    """The body, read only up to ``MAX_BODY_BYTES``: a larger one is refused
    before it is held in memory."""
    declared = request.headers.get("content-length", "")
    if declared.isascii() and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise _too_large()
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise _too_large()
        chunks.append(chunk)
    return b"".join(chunks)


def _content_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


async def form_fields(request: Request) -> list[tuple[str, str]]:
    """The (name, value) pairs of a form body (file parts left out), checked;
    empty for a request that is not a form."""
    cached: list[tuple[str, str]] | None = request.scope.get(FORM_KEY)
    if cached is not None:
        return cached
    content_type = _content_type(request)
    fields: list[tuple[str, str]] = []
    if content_type == "multipart/form-data":
        raw = await read_body(request)
        limits = MultipartLimits(max_fields=MAX_FIELDS, max_files=MAX_FILES)
        try:
            fields = multipart_fields(raw, request.headers["content-type"], limits)
        except UnicodeDecodeError:
            raise ApiError(400, "Malformed form body: invalid UTF-8") from None
        except FormParserError as exc:
            raise ApiError(400, f"Malformed form body: {exc}") from None
    elif content_type == "application/x-www-form-urlencoded":
        raw = await read_body(request)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise ApiError(400, "Malformed form body: invalid UTF-8") from None
        fields = _split_pairs(text, "form body")
    _refuse_nul(fields)
    request.scope[FORM_KEY] = fields
    return fields


# A NUL reaches a decoded JSON string only as the escape \u0000 (a raw
# control character is malformed JSON); "\\u0000" is a backslash and text.
_NUL_ESCAPE = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")
_OPENERS = bytes.maketrans(b"{}", b"[]")
_NOT_BRACKETS = bytes(sorted(set(range(256)) - set(b"[]{}")))


def _nested_deeper_than(raw: bytes, limit: int) -> bool:
    """Whether the (well-formed) JSON ``raw`` nests more than ``limit`` deep.

    Byte operations only, no walk in Python: strings are cut out, objects
    and arrays reduced to ``[`` and ``]``, then each round removes the
    innermost pairs (one level); it must be empty after ``limit`` rounds."""
    if raw.count(b"[") + raw.count(b"{") <= limit:
        return False
    # Backslashes occur only in strings, as escape pairs: without the pairs
    # for "\\" and '\"', every quote left opens or closes a string.
    unescaped = raw.replace(b"\\\\", b"").replace(b'\\"', b"")
    outside = b"".join(unescaped.split(b'"')[::2])
    brackets = outside.translate(_OPENERS, _NOT_BRACKETS)
    for _ in range(limit):
        brackets = brackets.replace(b"[]", b"")
        if not brackets:
            return False
    return True


def _check_json(raw: bytes, decoded: dict[str, Any]) -> None:
    """NUL and depth checks, at C speed: a 1 MB body of tiny values would
    take a tenth of a second to walk in Python, on the event loop."""
    if b"\\u0000" in raw and _NUL_ESCAPE.search(raw):
        for key, value in decoded.items():
            if "\x00" in key or _NUL_ESCAPE.search(msgspec.json.encode(value)):
                raise _nul_error(key)
    if _nested_deeper_than(raw, MAX_JSON_DEPTH):
        raise ApiError(400, f"Malformed JSON body: nested deeper than {MAX_JSON_DEPTH}")


def json_object(raw: bytes) -> dict[str, Any]:
    """A JSON body as a dict (``name[]`` keys read as ``name``), checked."""
    if not raw.strip():
        return {}
    try:
        decoded = msgspec.json.decode(raw)
    except (msgspec.DecodeError, UnicodeDecodeError):
        raise ApiError(400, "Malformed JSON body") from None
    except RecursionError:  # msgspec stops at the interpreter's recursion limit
        raise ApiError(400, f"Malformed JSON body: nested deeper than {MAX_JSON_DEPTH}") from None
    if not isinstance(decoded, dict):
        raise ApiError(400, "JSON body must be an object")
    _check_json(raw, decoded)
    return {(k[:-2] if k.endswith("[]") else k): v for k, v in decoded.items()}


async def parse_body(request: Request, kind: type[T]) -> T:
    """Parse a JSON or form body; query parameters fill in what the body lacks."""
    content_type = _content_type(request)
    data: dict[str, Any] = {}
    if content_type == "application/json":
        data = json_object(await read_body(request))
    elif content_type in _FORM_TYPES:
        data = _normalise(await form_fields(request), kind)
    for key, value in _normalise(query_fields(request), kind).items():
        data.setdefault(key, value)
    return convert(data, kind)
