"""The text fields of a ``multipart/form-data`` body, decoded strictly.

Starlette's own parser decodes undecodable names and values as Latin-1, so
a client's invalid UTF-8 would be stored as mojibake; here it is refused
(UnicodeDecodeError for the caller to answer 400). File parts are counted
and skipped: no endpoint takes uploads yet.
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


class _Collector:
    """Callbacks of python-multipart's streaming parser, gathering text fields."""

    def __init__(self, limits: MultipartLimits) -> None:
        self.limits = limits
        self.fields: list[tuple[str, str]] = []
        self.files = 0
        self.finished = False
        self._header_name = bytearray()
        self._header_value = bytearray()
        self._disposition = b""
        self._data = bytearray()
        self._is_file = False

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
        self._disposition = b""
        self._data = bytearray()
        self._is_file = False

    def header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def header_end(self) -> None:
        if bytes(self._header_name).lower() == b"content-disposition":
            self._disposition = bytes(self._header_value)
        self._header_name = bytearray()
        self._header_value = bytearray()

    def headers_finished(self) -> None:
        _, options = parse_options_header(self._disposition)
        if b"name" not in options:
            raise FormParserError("a part has no name")
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
        if self._is_file:
            return
        _, options = parse_options_header(self._disposition)
        # Header parameters arrive as Latin-1 text; clients send UTF-8 bytes.
        name = options[b"name"].decode("utf-8")
        self.fields.append((name, bytes(self._data).decode("utf-8")))

    def end(self) -> None:
        self.finished = True


def multipart_fields(
    body: bytes, content_type: str, limits: MultipartLimits
) -> list[tuple[str, str]]:
    """(name, value) of each text part of ``body``, in order.

    Raises FormParserError for a body that is not complete, well-formed
    multipart, and UnicodeDecodeError for a name or value that is not UTF-8."""
    _, options = parse_options_header(content_type)
    boundary = options.get(b"boundary")
    if not boundary:
        raise FormParserError("no boundary")
    collector = _Collector(limits)
    parser = MultipartParser(boundary, collector.callbacks())
    parser.write(body)
    parser.finalize()
    if not collector.finished:
        raise FormParserError("the body ends before its closing boundary")
    return collector.fields
