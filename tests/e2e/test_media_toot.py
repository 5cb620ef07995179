"""End to end: `toot post --media` against `roost serve`."""

from __future__ import annotations

from pathlib import Path

import httpx2 as httpx
import pytest

from tests.e2e.clients import sign_up, toot, toot_login
from tests.media.support import jpeg_bytes

pytestmark = pytest.mark.e2e


def test_toot_posts_a_photo(server: str, tmp_path: Path) -> None:
    alice = sign_up(server, "alice")
    toot_login(tmp_path, server, "alice")
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(jpeg_bytes(640, 480, gps=True))
    output = toot(tmp_path, "post", "--media", str(photo), "--description", "by toot", "hi")
    assert "posted" in output.lower()
    posted = alice.account_statuses(alice.account_verify_credentials()["id"])[0]
    attachment = posted["media_attachments"][0]
    assert attachment["description"] == "by toot"
    stored = httpx.get(attachment["url"], timeout=10)
    assert stored.headers["content-type"] == "image/jpeg"
    assert b"Exif" not in stored.content
