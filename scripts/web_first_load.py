"""Measure the web app's first load against a running Roost: bytes of
compressed scripts and styles, and the time until the home timeline shows.

    .venv/bin/python scripts/web_first_load.py http://127.0.0.1:8000 [runs]

Signs up one account through the API (registrations must be open and need no
e-mail confirmation), posts 20 statuses, then loads `/` in a fresh headless
chromium (empty cache) each run, already signed in, and reports the median.
"""

from __future__ import annotations

import secrets
import statistics
import sys

import httpx2 as httpx
from playwright.sync_api import sync_playwright

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
SCOPES = "read write follow"


def sign_up(base: str) -> str:
    app = httpx.post(
        f"{base}/api/v1/apps",
        json={
            "client_name": "measure",
            "redirect_uris": "urn:ietf:wg:oauth:2.0:oob",
            "scopes": SCOPES,
        },
    ).json()
    app_token = httpx.post(
        f"{base}/oauth/token",
        json={
            "grant_type": "client_credentials",
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
            "scope": SCOPES,
        },
    ).json()["access_token"]
    name = "m" + secrets.token_hex(4)
    answer = httpx.post(
        f"{base}/api/v1/accounts",
        headers={"Authorization": f"Bearer {app_token}"},
        json={
            "username": name,
            "email": f"{name}@example.com",
            "password": "a long enough password",
            "agreement": True,
            "locale": "en",
        },
    )
    answer.raise_for_status()
    token: str = answer.json()["access_token"]
    for i in range(20):
        httpx.post(
            f"{base}/api/v1/statuses",
            headers={"Authorization": f"Bearer {token}"},
            json={"status": f"Measurement post {i} #roost https://example.com/{i}"},
        ).raise_for_status()
    return token


def main() -> None:
    base = sys.argv[1].rstrip("/")
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    token = sign_up(base)
    times: list[float] = []
    sizes: list[int] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
        for _ in range(runs):
            context = browser.new_context()
            context.add_init_script(f"localStorage.setItem('roost.token', {token!r})")
            page = context.new_page()
            page.goto(f"{base}/")
            page.locator(".status").first.wait_for()
            shown = page.evaluate("performance.now()")
            # Compressed bytes on the wire of every script and style sheet.
            wire = page.evaluate(
                """performance.getEntriesByType("resource")
                    .filter(e => /\\.(js|css)$/.test(new URL(e.name).pathname))
                    .reduce((n, e) => n + e.encodedBodySize, 0)"""
            )
            times.append(shown)
            sizes.append(wire)
            context.close()
        browser.close()
    print(f"scripts and styles on the wire: {statistics.median(sizes) / 1000:.1f} kB (compressed)")
    print(
        f"home timeline shown after: median {statistics.median(times):.0f} ms, "
        f"min {min(times):.0f} ms, max {max(times):.0f} ms over {runs} cold loads"
    )


if __name__ == "__main__":
    main()
