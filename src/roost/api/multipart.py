"""The text fields of a ``multipart/form-data`` body, decoded strictly.

Starlette's own parser decodes undecodable names and values as Latin-1, so
a client's invalid UTF-8 would be stored as mojibake; here it is refused
(UnicodeDecodeError for the caller to answer 400). File parts are counted
and skipped: endpoints that take files stream them to disk with
``roost.api.uploads``, on the same callbacks (``PartCallbacks``).
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header

if TYPE_CHECKING:
    from python_multipart.multipart import MultipartCallbacks


@dataclasses.dataclass(frozen=True, slots=True)
class MultipartLimits:
    max_fields: int
    max_files: int


class PartCallbacks:
    """Callbacks of python-multipart's streaming parser: each part's headers
    are gathered and its name checked here; what becomes of the part is the
    subclass's (``part_started``, ``part_data``, ``part_end``). Shared by the
    text fields below and the uploads streamed to disk (``roost.api.uploads``)."""

    def __init__(self) -> None:
        self.finished = False
        self.headers: dict[bytes, bytes] = {}
        self._header_name = bytearray()
        self._header_value = bytearray()

    def callbacks(self) -> MultipartCallbacks:
        return {
            "on_part_begin": self.part_begin,
            "on_part_data": self.part_data,
            "on_part_end": self.part_end,
            "on_header_field": self.header_field,
            "on_header_value": self.header_value,
            "on_header_end": self.header_end,
            "on_headers_finished": self.headers_finished,
            "on_end": self.end,
        }

    def part_begin(self) -> None:
        self.headers = {}

    def header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def header_end(self) -> None:
        self.headers[bytes(self._header_name).lower()] = bytes(self._header_value)
        self._header_name = bytearray()
        self._header_value = bytearray()

    def headers_finished(self) -> None:
        _, options = parse_options_header(self.headers.get(b"content-disposition", b""))
        if b"name" not in options:
            raise FormParserError("a part has no name")
        # Header parameters arrive as Latin-1 text; clients send UTF-8 bytes.
        self.part_started(options[b"name"].decode("utf-8"), options)

    def part_started(self, name: str, options: dict[bytes, bytes]) -> None:
        """A part named ``name`` begins (``options``: its Content-Disposition's)."""
        raise NotImplementedError

    def part_data(self, data: bytes, start: int, end: int) -> None:
        raise NotImplementedError

    def part_end(self) -> None:
        raise NotImplementedError

    def end(self) -> None:
        self.finished = True

    def check_finished(self) -> None:
        """After ``finalize()``: a body cut before its closing boundary is refused."""
        if not self.finished:
            raise FormParserError("the body ends before its closing boundary")


def boundary_of(content_type: str) -> bytes:
    """The boundary of a ``multipart/form-data`` Content-Type."""
    _, options = parse_options_header(content_type)
    boundary = options.get(b"boundary")
    if not boundary:
        raise FormParserError("no boundary")
    return boundary


class _Collector(PartCallbacks):
    """Gathers the text fields; file parts are counted and skipped."""

    def __init__(self, limits: MultipartLimits) -> None:
        super().__init__()
        self.limits = limits
        self.fields: list[tuple[str, str]] = []
        self.files = 0
        self._name = ""
        self._data = bytearray()
        self._is_file = False

    def part_started(self, name: str, options: dict[bytes, bytes]) -> None:
        self._name = name
        self._data = bytearray()
        self._is_file = b"filename" in options
        if self._is_file:
            self.files += 1
            if self.files > self.limits.max_files:
                raise FormParserError(f"more than {self.limits.max_files} files")
        elif len(self.fields) >= self.limits.max_fields:
            raise FormParserError(f"more than {self.limits.max_fields} fields")

    def part_data(self, data: bytes, start: int, end: int) -> None:
        if not self._is_file:
            self._data += data[start:end]

    def part_end(self) -> None:
        if not self._is_file:
            self.fields.append((self._name, bytes(self._data).decode("utf-8")))


def multipart_fields(
    body: bytes, content_type: str, limits: MultipartLimits
) -> list[tuple[str, str]]:
    """(name, value) of each text part of ``body``, in order.

    Raises FormParserError for a body that is not complete, well-formed
    multipart, and UnicodeDecodeError for a name or value that is not UTF-8."""
    collector = _Collector(limits)
    parser = MultipartParser(boundary_of(content_type), collector.callbacks())
    parser.write(body)
    parser.finalize()
    collector.check_finished()
    return collector.fields
