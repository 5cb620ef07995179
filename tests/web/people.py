"""What the browser tests share: the chromium to drive, and a person with
a browser context of their own who signs up and posts through the page."""

from __future__ import annotations

import os
import struct
import zlib
from pathlib import Path

from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize, expect

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
PASSWORD = "a long enough password"
IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"
SCREENSHOTS = os.environ.get("ROOST_SCREENSHOTS") == "1"
PHONE: ViewportSize = {"width": 390, "height": 844}


def png(width: int = 64, height: int = 48) -> bytes:
    """A small red PNG, written by hand (no imaging library needed)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\0" + b"\xd0\x30\x30" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


class Person:
    def __init__(self, browser: Browser, base: str, name: str) -> None:
        self.name = name
        self.context: BrowserContext = browser.new_context(base_url=base)
        self.context.set_default_timeout(10_000)
        self.page: Page = self.context.new_page()
        self.errors: list[str] = []
        self.urls: list[str] = []
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("request", lambda request: self.urls.append(request.url))

    def sign_up(self) -> None:
        page = self.page
        page.goto("/signup")
        page.get_by_label("Username").fill(self.name)
        page.get_by_label("E-mail").fill(f"{self.name}@example.com")
        page.get_by_label("Password (8 characters or more)").fill(PASSWORD)
        page.get_by_label("I agree to the server rules").check()
        page.get_by_role("button", name="Create account").click()
        expect(page.get_by_role("heading", name="Home")).to_be_visible()

    def post(self, text: str) -> None:
        self.page.get_by_label("Post text").fill(text)
        self.page.get_by_role("button", name="Post", exact=True).click()
        expect(self.page.locator(".status").first).to_contain_text(text.split()[0])

    def token(self) -> str:
        value = self.page.evaluate("localStorage.getItem('roost.token')")
        assert isinstance(value, str)
        return value


def shoot(page: Page, name: str) -> None:
    if not SCREENSHOTS:
        return
    IMAGES.mkdir(parents=True, exist_ok=True)
    # Not "networkidle": the live stream stays open. Pictures loaded is enough.
    page.wait_for_function("[...document.images].every(i => i.complete)")
    page.screenshot(path=str(IMAGES / f"web-{name}-desktop.png"))
    size = page.viewport_size
    page.set_viewport_size(PHONE)
    page.screenshot(path=str(IMAGES / f"web-{name}-phone.png"))
    if size:
        page.set_viewport_size(size)
