"""Deleting one's account from the settings page, in a real chromium
against `roost serve` as a real process."""

from __future__ import annotations

import re
from pathlib import Path

import httpx2 as httpx
import pytest
from playwright.sync_api import Browser, expect

from tests.web.people import PASSWORD, Person

pytestmark = pytest.mark.e2e


def test_deleting_ones_account_from_the_settings(
    browser: Browser, served: tuple[str, Path]
) -> None:
    base, _log = served
    wren = Person(browser, base, "wren")
    wren.sign_up()
    wren.post("soon gone")
    token = wren.token()
    page = wren.page
    page.get_by_role("link", name="Settings").click()
    form = page.get_by_role("form", name="Delete account")
    password = form.get_by_label("Your password, to confirm")

    password.fill("not my password")
    form.get_by_role("button", name="Delete my account").click()
    expect(form.get_by_role("alert")).to_have_text("Not deleted: The password is not correct")
    headers = {"Authorization": f"Bearer {token}"}
    me = httpx.get(f"{base}/api/v1/accounts/verify_credentials", headers=headers)
    assert me.status_code == 200

    password.fill(PASSWORD)
    form.get_by_role("button", name="Delete my account").click()
    expect(page.get_by_role("heading", name=re.compile("^Welcome"))).to_be_visible()
    assert page.evaluate("localStorage.getItem('roost.token')") is None
    me = httpx.get(f"{base}/api/v1/accounts/verify_credentials", headers=headers)
    assert me.status_code == 401
    shown = httpx.get(f"{base}/api/v1/accounts/lookup", params={"acct": "wren"}).json()
    assert shown["suspended"] is True
    assert wren.errors == []
    wren.context.close()
