"""Fixtures of the browser tests: `roost serve` as a real process (one per
test module) and Debian's chromium driven by Playwright."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright

from tests.helpers import CHEAP_PASSWORD_HASHING_ENV
from tests.served import served_roost
from tests.web.people import CHROMIUM, FLAGS


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    # Debug level: uvicorn logs every request line, which must hold no token.
    env = {
        **CHEAP_PASSWORD_HASHING_ENV,
        "ROOST_REQUIRE_EMAIL_CONFIRMATION": "false",
        "ROOST_LOG_LEVEL": "debug",
    }
    with served_roost(tmp_path_factory.mktemp("web"), env=env) as (port, log):
        yield f"http://localhost:{port}", log


@pytest.fixture(scope="module")
def base(served: tuple[str, Path]) -> str:
    return served[0]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail("chromium is missing: run scripts/install-system-deps.sh")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield browser
        browser.close()
