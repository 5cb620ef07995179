"""End to end: `toot post --media` against `roost serve`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx2 as httpx
import pytest

from tests.e2e.test_mastodon_py import _sign_up, server  # noqa: F401
from tests.media.support import jpeg_bytes

pytestmark = pytest.mark.e2e
PASSWORD = "a long enough password"


def _toot(tmp_path: Path, *args: str, stdin: str = "") -> str:
    env = {**os.environ, "XDG_CONFIG_HOME": str(tmp_path / "config")}
    done = subprocess.run(
        [sys.executable, "-m", "toot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_toot_posts_a_photo(server: str, tmp_path: Path) -> None:  # noqa: F811
    alice = _sign_up(server, "alice")
    _toot(tmp_path, "login_cli", "-i", server, "-e", "alice@example.com", stdin=PASSWORD + "\n")
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(jpeg_bytes(640, 480, gps=True))
    output = _toot(tmp_path, "post", "--media", str(photo), "--description", "by toot", "hi")
    assert "posted" in output.lower()
    posted = alice.account_statuses(alice.account_verify_credentials()["id"])[0]
    attachment = posted["media_attachments"][0]
    assert attachment["description"] == "by toot"
    stored = httpx.get(attachment["url"], timeout=10)
    assert stored.headers["content-type"] == "image/jpeg"
    assert b"Exif" not in stored.content
