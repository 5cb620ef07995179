"""File uploads: a ``multipart/form-data`` body streamed to temporary files.

The body is never held in memory: each file part goes to its own file in a
private temporary directory as it arrives, and the whole transfer stops at
the first byte past the limits (a file larger than ``max_file_bytes``, text
fields larger than ``MAX_TEXT_BYTES``, more parts than allowed). Text
fields are decoded strictly, as ``roost.api.multipart`` does.

The caller owns the result and must ``close()`` it (a context manager):
that removes every file it did not move away.
"""

from __future__ import annotations

import contextlib
import dataclasses
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import IO

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import Request

from roost.api.errors import ApiError
from roost.api.multipart import PartCallbacks, boundary_of
from roost.api.params import FORM_KEY, MAX_FIELDS
from roost.kernel.errors import ValidationFailed

# All text fields together (a description is at most 1,500 characters).
MAX_TEXT_BYTES = 256 * 1024
MAX_UPLOAD_FILES = 4
UPLOAD_KEY = "roost.upload"


HEAD_BYTES = 64
# (file field, its first bytes) -> the largest size allowed for it.
LimitOf = Callable[[str, bytes], int]


class TooLarge(Exception):
    """A part went past its limit."""


@dataclasses.dataclass(slots=True)
class UploadedFile:
    """One file part, on disk."""

    field: str
    filename: str
    declared_type: str  # what the client said; never trusted
    path: Path
    size: int


@dataclasses.dataclass(slots=True)
class UploadForm:
    fields: list[tuple[str, str]]
    files: dict[str, UploadedFile]
    directory: Path

    def field(self, name: str) -> str | None:
        for key, value in self.fields:
            if key == name:
                return value
        return None

    def close(self) -> None:
        shutil.rmtree(self.directory, ignore_errors=True)

    def __enter__(self) -> UploadForm:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class _Receiver(PartCallbacks):
    """Writes file parts to disk, keeps the text fields."""

    def __init__(
        self,
        directory: Path,
        max_file_bytes: int,
        file_fields: frozenset[str],
        limit_of: LimitOf | None = None,
    ) -> None:
        super().__init__()
        self.directory = directory
        self.max_file_bytes = max_file_bytes
        self.limit_of = limit_of
        self._limit = max_file_bytes
        self._head = bytearray()
        self._head_checked = False
        self.file_fields = file_fields
        self.fields: list[tuple[str, str]] = []
        self.files: dict[str, UploadedFile] = {}
        self.text_bytes = 0
        self._data = bytearray()
        self._file: UploadedFile | None = None
        self._out: IO[bytes] | None = None
        self._name = ""

    def part_started(self, name: str, options: dict[bytes, bytes]) -> None:
        self._name = name
        self._data = bytearray()
        self._file = None
        if b"filename" not in options:
            if len(self.fields) >= MAX_FIELDS:
                raise FormParserError(f"more than {MAX_FIELDS} fields")
            return
        if self._name not in self.file_fields:
            raise FormParserError(f"unexpected file part {self._name!r}")
        if self._name in self.files or len(self.files) >= MAX_UPLOAD_FILES:
            raise FormParserError(f"more than one file named {self._name!r}")
        declared, _ = parse_options_header(self.headers.get(b"content-type", b""))
        path = self.directory / f"part-{len(self.files)}"
        self._file = UploadedFile(
            field=self._name,
            filename=options[b"filename"].decode("utf-8", "replace")[:255],
            declared_type=declared.decode("latin-1")[:100],
            path=path,
            size=0,
        )
        self._out = path.open("wb")
        self.files[self._name] = self._file
        self._limit = self.max_file_bytes
        self._head = bytearray()
        self._head_checked = self.limit_of is None

    def part_data(self, data: bytes, start: int, end: int) -> None:
        if self._file is None:
            self.text_bytes += end - start
            if self.text_bytes > MAX_TEXT_BYTES:
                raise TooLarge("form fields")
            self._data += data[start:end]
            return
        self._file.size += end - start
        if not self._head_checked:
            self._head += data[start : min(end, start + HEAD_BYTES)]
            if len(self._head) >= HEAD_BYTES:
                self.check_head()
        if self._file.size > self._limit:
            raise TooLarge(self._file.field)
        assert self._out is not None
        self._out.write(data[start:end])

    def part_end(self) -> None:
        if self._file is not None:
            if not self._head_checked:
                self.check_head()
            if self._file.size > self._limit:
                raise TooLarge(self._file.field)
            self.close_file()
            return
        self.fields.append((self._name, bytes(self._data).decode("utf-8")))

    @property
    def limit(self) -> int:
        return self._limit

    def check_head(self) -> None:
        """The limit for this file from its first bytes (the caller's
        ``limit_of`` may also refuse the file at once by raising)."""
        self._head_checked = True
        assert self.limit_of is not None and self._file is not None
        self._limit = min(self.max_file_bytes, self.limit_of(self._file.field, bytes(self._head)))

    def close_file(self) -> None:
        if self._out is not None:
            self._out.close()
            self._out = None


def _too_large(limit: int) -> ValidationFailed:
    megabytes = limit / (1024 * 1024)
    return ValidationFailed(f"File is too large (at most {megabytes:.0f} MB)")


def _make_directory(temp_root: Path | None) -> Path:
    if temp_root is not None:
        temp_root.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix="upload-", dir=temp_root))


async def receive_upload(
    request: Request,
    *,
    max_file_bytes: int,
    file_fields: frozenset[str],
    temp_root: Path | None = None,
    limit_of: LimitOf | None = None,
) -> UploadForm:
    """Stream a multipart body to disk; 422 for a file past ``max_file_bytes``,
    400 for a body that is not well-formed multipart."""
    content_type = request.headers.get("content-type", "")
    if content_type.split(";")[0].strip().lower() != "multipart/form-data":
        raise ValidationFailed("Expected a multipart/form-data body with a file")
    try:
        boundary = boundary_of(content_type)
    except FormParserError as exc:
        raise ApiError(400, f"Malformed form body: {exc}") from None
    declared = request.headers.get("content-length", "")
    limit = max_file_bytes * len(file_fields) + MAX_TEXT_BYTES + 64 * 1024
    if declared.isascii() and declared.isdigit() and int(declared) > limit:
        raise _too_large(max_file_bytes)
    directory = _make_directory(temp_root)
    receiver = _Receiver(directory, max_file_bytes, file_fields, limit_of)
    form = UploadForm(receiver.fields, receiver.files, directory)
    try:
        parser = MultipartParser(boundary, receiver.callbacks())
        async for chunk in request.stream():
            parser.write(chunk)
        parser.finalize()
        receiver.check_finished()
    except TooLarge as exc:
        form.close()
        if str(exc) == "form fields":
            raise ApiError(413, "Request body too large") from None
        raise _too_large(receiver.limit) from None
    except UnicodeDecodeError:
        form.close()
        raise ApiError(400, "Malformed form body: invalid UTF-8") from None
    except FormParserError as exc:
        form.close()
        raise ApiError(400, f"Malformed form body: {exc}") from None
    except BaseException:
        form.close()
        raise
    finally:
        with contextlib.suppress(Exception):
            receiver.close_file()
    for key, value in form.fields:
        if "\x00" in key or "\x00" in value:
            form.close()
            raise ValidationFailed(f"{key.replace(chr(0), '?')} contains a NUL character")
    return form


def is_multipart(request: Request) -> bool:
    content_type = request.headers.get("content-type", "")
    return content_type.split(";")[0].strip().lower() == "multipart/form-data"


def received_upload(request: Request) -> UploadForm | None:
    """The files of an endpoint declared with ``uploads=`` (None when the
    request sent none: a JSON or URL-encoded body)."""
    found = request.scope.get(UPLOAD_KEY)
    return found if isinstance(found, UploadForm) else None


async def accept_upload(
    request: Request,
    file_fields: frozenset[str],
    max_file_bytes: int,
    temp_root: Path,
    limit_of: LimitOf | None = None,
) -> None:
    """Stream a multipart body to disk before the form is parsed: its text
    fields become the request's form fields, its files wait for the handler
    (``received_upload``)."""
    form = await receive_upload(
        request,
        max_file_bytes=max_file_bytes,
        file_fields=file_fields,
        temp_root=temp_root,
        limit_of=limit_of,
    )
    request.scope[UPLOAD_KEY] = form
    request.scope[FORM_KEY] = form.fields
