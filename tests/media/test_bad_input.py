"""Bad uploads: each a clear 422, and nothing left behind (no blob, no row)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from roost.config import Settings
from tests.helpers import CHEAP_PASSWORD_HASHING, ApiClient
from tests.media.support import jpeg_bytes, media_files, png_bomb, upload
from tests.media.test_uploads import count_media


@pytest.fixture
def served(tmp_path: Path) -> Iterator[ApiClient]:
    """The embedded default (SQLite, workers in the app process): an upload
    that fails processing is answered 422 at once (and discarded). The
    checks do not depend on the database, so one backend is enough."""
    settings = Settings(
        data_dir=tmp_path / "data",
        public_url="http://testserver",
        domain="testserver",
        worker_id=1,
        rate_limits=False,
        media_max_image_bytes=200_000,
    ).replace(**CHEAP_PASSWORD_HASHING)
    with ApiClient.start(settings) as api:
        yield api


ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 200
SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>x</script></svg>'
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer\n%%EOF\n"
CASES = {
    "text named .jpg": (b"just some text, honestly" * 10, "photo.jpg", "image/jpeg"),
    "svg": (SVG, "drawing.svg", "image/svg+xml"),
    "pdf": (PDF, "paper.pdf", "application/pdf"),
    "executable": (ELF, "cat.png", "image/png"),
    "empty": (b"", "empty.jpg", "image/jpeg"),
    "truncated": (jpeg_bytes(400, 300)[:900], "cut.jpg", "image/jpeg"),
    "decompression bomb": (png_bomb(), "bomb.png", "image/png"),
}


# Every case on v2; v1 (synchronous) shares the checks: two cases suffice.
RUNS = [(case, 2) for case in sorted(CASES)] + [("truncated", 1), ("text named .jpg", 1)]


@pytest.mark.parametrize(("case", "version"), RUNS)
def test_bad_file_is_refused_and_nothing_stays(served: ApiClient, case: str, version: int) -> None:
    data, filename, content_type = CASES[case]
    if case == "decompression bomb":
        assert len(data) < 10_000
    alice = served.make_user("alice")
    response = upload(
        served, alice, data, filename=filename, content_type=content_type, version=version
    )
    assert response.status_code == 422, response.text
    assert response.json()["error"]
    served.drain()
    assert count_media(served) == 0
    assert media_files(served) == []
    # The server keeps serving.
    assert upload(served, alice, jpeg_bytes(), version=version).status_code == 200


def test_oversized_upload_is_cut_off(served: ApiClient) -> None:
    alice = served.make_user("alice")
    big = jpeg_bytes(10, 10) + b"\x00" * 300_000  # past the 200 KB limit
    response = upload(served, alice, big)
    assert response.status_code == 422
    assert "too large" in response.json()["error"]
    # Far past every limit, as a stream without a length: cut off as well.
    chunks = (b"x" * 65_536 for _ in range(2_000))  # 128 MB, never all sent
    boundary = "b0undary"

    def body() -> Iterator[bytes]:
        yield (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.jpg"\r\n'
            "Content-Type: image/jpeg\r\n\r\n"
        ).encode()
        yield b"\xff\xd8\xff"
        yield from chunks

    streamed = served.http.post(
        "/api/v2/media",
        headers={**alice.headers, "Content-Type": f"multipart/form-data; boundary={boundary}"},
        content=body(),
    )
    assert streamed.status_code == 422
    assert count_media(served) == 0 and media_files(served) == []


def test_missing_file_and_bad_fields(served: ApiClient) -> None:
    alice = served.make_user("alice")
    nothing = served.post("/api/v2/media", user=alice, data={"description": "x"})
    assert nothing.status_code == 422
    long = upload(served, alice, jpeg_bytes(), fields={"description": "x" * 1_501})
    assert long.status_code == 422
    focus = upload(served, alice, jpeg_bytes(), fields={"focus": "left"})
    assert focus.status_code == 422
    assert count_media(served) == 0 and media_files(served) == []


def test_an_unsupported_type_is_refused_as_it_streams_in(served: ApiClient) -> None:
    alice = served.make_user("alice")
    boundary = "b0undary"

    def body() -> Iterator[bytes]:
        yield (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.jpg"\r\n'
            "Content-Type: image/jpeg\r\n\r\n"
        ).encode()
        for _ in range(1_000):  # 64 MB of PDF: refused from its first bytes
            yield b"%PDF-1.7" + b" " * 65_528

    response = served.http.post(
        "/api/v2/media",
        headers={**alice.headers, "Content-Type": f"multipart/form-data; boundary={boundary}"},
        content=body(),
    )
    assert response.status_code == 422
    # The type, not the size: the refusal came from the first bytes.
    assert "Unsupported file type" in response.json()["error"]
    assert count_media(served) == 0 and media_files(served) == []
