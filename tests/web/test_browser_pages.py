"""The web app's pages for follow requests, hashtags, lists, filters and the
trends panel, in a real chromium against `roost serve` as a real process.

Each flow is driven through the page and then checked through the API with
the same person's token: what the page shows is what the server holds.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import re
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from roost.config import Settings
from roost.search.trends import refresh_trends
from roost.services import build_services
from tests.helpers import CHEAP_PASSWORD_HASHING_ENV
from tests.served import served_roost
from tests.web.people import PASSWORD, PHONE, Person, shoot

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """The base URL and the data directory of a served Roost."""
    root = tmp_path_factory.mktemp("web-pages")
    env = {
        **CHEAP_PASSWORD_HASHING_ENV,
        "ROOST_REQUIRE_EMAIL_CONFIRMATION": "false",
        # Ten people sign up here from one address.
        "ROOST_SIGN_UPS_PER_30MIN": "50",
    }
    with served_roost(root, env=env) as (port, _log):
        yield f"http://localhost:{port}", root / "data"


class Api:
    """One person's view of the API, with the token the browser holds (or
    one of its own, for people who never open a browser here)."""

    def __init__(self, base: str, token: str) -> None:
        self.http = httpx.Client(
            base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=10
        )
        self.id = str(self.get("/api/v1/accounts/verify_credentials")["id"])

    @classmethod
    def sign_up(cls, base: str, username: str) -> Api:
        app = httpx.post(
            f"{base}/api/v1/apps",
            json={
                "client_name": "pages test",
                "redirect_uris": "urn:ietf:wg:oauth:2.0:oob",
                "scopes": "read write follow",
            },
        ).json()
        app_token = httpx.post(
            f"{base}/oauth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": app["client_id"],
                "client_secret": app["client_secret"],
                "scope": "read write follow",
            },
        ).json()["access_token"]
        made = httpx.post(
            f"{base}/api/v1/accounts",
            headers={"Authorization": f"Bearer {app_token}"},
            json={
                "username": username,
                "email": f"{username}@example.com",
                "password": PASSWORD,
                "agreement": True,
            },
        )
        assert made.status_code == 200, made.text
        return cls(base, made.json()["access_token"])

    def get(self, path: str, **params: Any) -> Any:
        response = self.http.get(path, params=params)
        assert response.status_code == 200, response.text
        return response.json()

    def post(self, path: str, **json: Any) -> Any:
        response = self.http.post(path, json=json)
        assert response.status_code == 200, response.text
        return response.json()

    def relationship(self, other: Api) -> dict[str, Any]:
        found = self.get("/api/v1/accounts/relationships", **{"id[]": other.id})
        assert isinstance(found, list) and len(found) == 1
        return dict(found[0])


def browser_person(browser: Browser, base: str, name: str) -> tuple[Person, Api]:
    person = Person(browser, base, name)
    person.sign_up()
    return person, Api(base, person.token())


def eventually(check: Callable[[], bool], timeout: float = 10.0) -> None:
    """Fan-out runs as a job: wait (bounded) until the API shows it."""
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "not seen in time"
        time.sleep(0.05)


def home_has(reader: Api, status_id: str) -> Callable[[], bool]:
    return lambda: status_id in [s["id"] for s in reader.get("/api/v1/timelines/home")]


def fits_phone(page: Page) -> None:
    size = page.viewport_size
    page.set_viewport_size(PHONE)
    width = page.evaluate("document.documentElement.scrollWidth")
    if size:
        page.set_viewport_size(size)
    assert width <= PHONE["width"]


def nav(page: Page, name: str) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name=name).click()


def test_follow_requests_and_lists(browser: Browser, server: tuple[str, Path]) -> None:
    base, _data = server
    wren, wren_api = browser_person(browser, base, "wren")
    otto, otto_api = browser_person(browser, base, "otto")
    pia_api = Api.sign_up(base, "pia")

    # Wren locks her account in the settings.
    page = wren.page
    nav(page, "Settings")
    page.get_by_role("switch", name=re.compile("Approve new followers by hand")).check()
    expect(page.get_by_text("New followers now wait for your approval.")).to_be_visible()
    assert wren_api.get("/api/v1/accounts/verify_credentials")["locked"] is True
    # The page for requests is in the menu now.
    expect(page.get_by_role("link", name="Follow requests")).to_be_visible()

    # Otto asks to follow: his page says "requested", and so does the API.
    otto.page.goto("/@wren")
    otto.page.get_by_role("button", name="Follow").click()
    relation = otto.page.get_by_role("group", name="Relationship")
    expect(relation.get_by_role("button", name="Cancel request")).to_be_visible()
    expect(relation.get_by_text("Requested")).to_be_visible()
    assert otto_api.relationship(wren_api)["requested"] is True
    otto.page.reload()
    expect(relation.get_by_text("Requested")).to_be_visible()
    pia_api.post(f"/api/v1/accounts/{wren_api.id}/follow")

    # Wren accepts Otto and rejects Pia from her page of requests.
    page.reload()
    requests_link = page.get_by_role("link", name=re.compile("^Follow requests"))
    expect(requests_link).to_contain_text("2")
    requests_link.click()
    expect(page.get_by_role("heading", name="Follow requests")).to_be_visible()
    page.get_by_role("group", name="Request from otto").get_by_role("button", name="Accept").click()
    expect(page.get_by_role("group", name="Request from otto")).to_have_text("Accepted")
    assert otto_api.relationship(wren_api)["following"] is True
    # Pia's request is answered from its notification.
    nav(page, "Notifications")
    asked = page.locator(".notification", has_text="asked to follow you").filter(has_text="pia")
    asked.get_by_role("button", name="Reject").click()
    expect(asked.get_by_role("group", name="Request from pia")).to_have_text("Rejected")
    assert otto_api.relationship(wren_api)["following"] is True
    rejected = pia_api.relationship(wren_api)
    assert rejected["following"] is False and rejected["requested"] is False
    assert wren_api.get("/api/v1/follow_requests") == []
    nav(page, "Follow requests")
    expect(page.get_by_text("Nobody is waiting for your approval.")).to_be_visible()
    fits_phone(page)
    expect(page.get_by_role("link", name=re.compile("^Follow requests"))).to_have_text(
        "Follow requests"
    )

    # Wren follows Otto (not locked) and makes a list of him.
    page.goto("/@otto")
    page.get_by_role("button", name="Follow").click()
    expect(page.get_by_role("button", name="Unfollow")).to_be_visible()
    nav(page, "Lists")
    expect(page.get_by_text("No lists yet.")).to_be_visible()
    new_list = page.get_by_role("form", name="New list")
    new_list.get_by_label("List name").fill("Garden club")
    new_list.get_by_label("Replies shown").select_option("none")
    new_list.get_by_role("checkbox", name=re.compile("^Exclusive")).check()
    new_list.get_by_role("button", name="Create list").click()
    expect(page.get_by_role("link", name="Garden club")).to_be_visible()
    [made] = wren_api.get("/api/v1/lists")
    assert (made["title"], made["replies_policy"], made["exclusive"]) == (
        "Garden club",
        "none",
        True,
    )
    fits_phone(page)

    page.get_by_role("link", name="Garden club").click()
    expect(page.get_by_role("heading", name="Garden club")).to_be_visible()
    page.get_by_text("Edit list and members").click()
    page.get_by_role("button", name="Add otto").click()
    expect(page.get_by_role("button", name="Remove otto")).to_be_visible()
    members = wren_api.get(f"/api/v1/lists/{made['id']}/accounts")
    assert [a["id"] for a in members] == [otto_api.id]
    fits_phone(page)

    # Otto's post reaches the list's timeline (and, the list being
    # exclusive, not Wren's home).
    posted = otto_api.post("/api/v1/statuses", status="Tomatoes are in")
    eventually(
        lambda: (
            [s["id"] for s in wren_api.get(f"/api/v1/timelines/list/{made['id']}")]
            == [posted["id"]]
        )
    )
    page.reload()
    expect(page.locator(".status", has_text="Tomatoes are in")).to_be_visible()
    page.get_by_text("Edit list and members").click()
    shoot(page, "list")
    page.get_by_text("Edit list and members").click()
    assert posted["id"] not in [s["id"] for s in wren_api.get("/api/v1/timelines/home")]

    # Renamed, with other replies and not exclusive any more.
    page.get_by_text("Edit list and members").click()
    settings = page.get_by_role("form", name="List settings")
    settings.get_by_label("List name").fill("Allotment")
    settings.get_by_label("Replies shown").select_option("followed")
    settings.get_by_role("checkbox", name=re.compile("^Exclusive")).uncheck()
    settings.get_by_role("button", name="Save list").click()
    expect(page.get_by_text("List saved.")).to_be_visible()
    expect(page.get_by_role("heading", name="Allotment")).to_be_visible()
    saved = wren_api.get(f"/api/v1/lists/{made['id']}")
    assert (saved["title"], saved["replies_policy"], saved["exclusive"]) == (
        "Allotment",
        "followed",
        False,
    )

    # Otto leaves the list; then the list goes.
    page.get_by_role("button", name="Remove otto").click()
    expect(page.get_by_role("button", name="Add otto")).to_be_visible()
    assert wren_api.get(f"/api/v1/lists/{made['id']}/accounts") == []
    page.get_by_role("button", name="Delete list").click()
    page.get_by_role("button", name="Yes, delete the list").click()
    expect(page.get_by_role("heading", name="Lists")).to_be_visible()
    expect(page.get_by_text("No lists yet.")).to_be_visible()
    assert wren_api.get("/api/v1/lists") == []
    assert wren.errors == [] and otto.errors == []


def test_filters_warn_then_hide(browser: Browser, server: tuple[str, Path]) -> None:
    base, _data = server
    reader, reader_api = browser_person(browser, base, "reader")
    author_api = Api.sign_up(base, "author")
    reader_api.post(f"/api/v1/accounts/{author_api.id}/follow")

    page = reader.page
    nav(page, "Filters")
    expect(page.get_by_text("No filters yet.")).to_be_visible()
    page.get_by_role("link", name="New filter").click()
    form = page.get_by_role("form", name="New filter")
    form.get_by_label("Title", exact=True).fill("Dragons")
    form.get_by_label("Keyword 1", exact=True).fill("dragon")
    expect(form.get_by_label("Whole word")).to_be_checked()
    expect(form.get_by_label("Home and lists")).to_be_checked()
    form.get_by_label("Notifications").check()
    form.get_by_label("Expires after").select_option(label="1 day")
    fits_phone(page)
    form.get_by_role("button", name="Save filter").click()
    expect(page.get_by_role("region", name="Dragons")).to_contain_text("Shown behind a warning")
    [made] = reader_api.get("/api/v2/filters")
    assert made["title"] == "Dragons" and made["filter_action"] == "warn"
    assert sorted(made["context"]) == ["home", "notifications", "public"]
    assert [(k["keyword"], k["whole_word"]) for k in made["keywords"]] == [("dragon", True)]
    expires = datetime.fromisoformat(made["expires_at"].replace("Z", "+00:00"))
    assert abs(expires - (datetime.now(UTC) + timedelta(days=1))) < timedelta(minutes=5)

    # A warned post is collapsed behind the filter's title until revealed;
    # a longer word is no match for a whole-word keyword.
    warned = author_api.post("/api/v1/statuses", status="The dragon wins in the end")
    other = author_api.post("/api/v1/statuses", status="Dragonfly season again")
    eventually(home_has(reader_api, warned["id"]))
    eventually(home_has(reader_api, other["id"]))
    nav(page, "Home")
    feed = page.get_by_role("feed", name="Home timeline")
    expect(feed.locator(".status", has_text="Dragonfly season")).to_be_visible()
    expect(feed.get_by_text("Filtered: Dragons")).to_be_visible()
    expect(feed.get_by_text("The dragon wins")).to_have_count(0)
    shoot(page, "filtered")
    feed.get_by_role("button", name="Show anyway").click()
    expect(feed.locator(".status", has_text="The dragon wins")).to_be_visible()
    # In notifications too (a context the filter was given).
    mention = author_api.post("/api/v1/statuses", status="@reader a dragon for you")
    eventually(
        lambda: (
            mention["id"]
            in [n["status"]["id"] for n in reader_api.get("/api/v1/notifications") if n["status"]]
        )
    )
    nav(page, "Notifications")
    notice = page.locator(".notification", has_text="mentioned you")
    expect(notice).to_contain_text("Filtered: Dragons")
    expect(notice).not_to_contain_text("a dragon for you")

    # Now hidden, with a second keyword (a post that only it matches).
    spoiler = author_api.post("/api/v1/statuses", status="What a finale")
    eventually(home_has(reader_api, spoiler["id"]))
    nav(page, "Filters")
    page.get_by_role("link", name="Edit Dragons").click()
    form = page.get_by_role("form", name="Edit filter")
    expect(form.get_by_label("Keyword 1", exact=True)).to_have_value("dragon")
    form.get_by_role("button", name="Add keyword").click()
    form.get_by_label("Keyword 2", exact=True).fill("finale")
    form.get_by_role("radio", name=re.compile("^Hide")).check()
    form.get_by_role("button", name="Save filter").click()
    expect(page.get_by_role("region", name="Dragons")).to_contain_text("Hidden completely")
    [changed] = reader_api.get("/api/v2/filters")
    assert changed["filter_action"] == "hide" and changed["expires_at"] == made["expires_at"]
    assert sorted(k["keyword"] for k in changed["keywords"]) == ["dragon", "finale"]
    home = [s["id"] for s in reader_api.get("/api/v1/timelines/home")]
    assert other["id"] in home and warned["id"] not in home and spoiler["id"] not in home
    nav(page, "Home")
    expect(feed.locator(".status", has_text="Dragonfly season")).to_be_visible()
    expect(feed.get_by_text("Filtered: Dragons")).to_have_count(0)
    expect(feed.get_by_text("The dragon wins")).to_have_count(0)
    expect(feed.get_by_text("What a finale")).to_have_count(0)

    # One keyword dropped, then the filter deleted: the posts come back.
    nav(page, "Filters")
    page.get_by_role("link", name="Edit Dragons").click()
    page.get_by_role("button", name="Remove keyword 1").click()
    page.get_by_role("button", name="Save filter").click()
    expect(page.get_by_role("region", name="Dragons")).to_contain_text("Keywords: finale")
    [dropped] = reader_api.get("/api/v2/filters")
    assert [k["keyword"] for k in dropped["keywords"]] == ["finale"]
    fits_phone(page)
    page.get_by_role("button", name="Delete Dragons").click()
    page.get_by_role("button", name="Yes, delete “Dragons”").click()
    expect(page.get_by_text("No filters yet.")).to_be_visible()
    assert reader_api.get("/api/v2/filters") == []
    nav(page, "Home")
    expect(feed.locator(".status", has_text="The dragon wins")).to_be_visible()
    expect(feed.locator(".status", has_text="What a finale")).to_be_visible()
    assert reader.errors == []


def _refresh_trends(data_dir: Path) -> None:
    """Run the trends job once against the served Roost's database (it runs
    every five minutes by itself: too slow for a test)."""

    async def run() -> None:
        services = build_services(Settings.from_env({"ROOST_DATA_DIR": str(data_dir)}))
        try:
            await refresh_trends(services)
        finally:
            await services.close()

    # In a thread of its own: Playwright's sync API holds this one's loop.
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, run()).result(timeout=60)


def test_trends_panel_and_followed_hashtags(browser: Browser, server: tuple[str, Path]) -> None:
    base, data = server
    # Four people use a tag within the hour: the trends job ranks it.
    for name in ("kite1", "kite2", "kite3", "kite4"):
        Api.sign_up(base, name).post("/api/v1/statuses", status=f"{name} flies a #kiteday kite")
    _refresh_trends(data)
    trending = httpx.get(f"{base}/api/v1/trends/tags").json()
    assert [t["name"] for t in trending] == ["kiteday"]

    fan, fan_api = browser_person(browser, base, "fan")
    page = fan.page
    panel = page.get_by_role("complementary", name="Trending hashtags")
    expect(panel.get_by_role("heading", name="Trending")).to_be_visible()
    expect(panel.get_by_role("link", name="#kiteday")).to_be_visible()
    expect(panel).to_contain_text("4 posts")

    # From the panel to the tag's page, and follow it there.
    panel.get_by_role("link", name="#kiteday").click()
    expect(page.get_by_role("heading", name="#kiteday")).to_be_visible()
    expect(page.locator(".status", has_text="kite1 flies")).to_be_visible()
    page.get_by_role("button", name="Follow #kiteday", exact=True).click()
    expect(page.get_by_role("button", name="Unfollow #kiteday")).to_be_visible()
    assert [t["name"] for t in fan_api.get("/api/v1/followed_tags")] == ["kiteday"]
    assert fan_api.get("/api/v1/tags/kiteday")["following"] is True

    # The followed hashtags page: the tag, one more by name, and unfollowing.
    nav(page, "Hashtags")
    main = page.get_by_role("main")
    expect(main.get_by_role("link", name="#kiteday")).to_be_visible()
    main.get_by_label("Hashtag to follow").fill("#Gardening")
    main.get_by_role("button", name="Follow", exact=True).click()
    expect(main.get_by_role("link", name="#gardening")).to_be_visible()
    assert sorted(t["name"] for t in fan_api.get("/api/v1/followed_tags")) == [
        "gardening",
        "kiteday",
    ]
    main.get_by_role("button", name="Unfollow #kiteday").click()
    expect(main.get_by_role("button", name="Follow #kiteday", exact=True)).to_be_visible()
    assert [t["name"] for t in fan_api.get("/api/v1/followed_tags")] == ["gardening"]
    page.reload()
    expect(main.get_by_role("link", name="#gardening")).to_be_visible()
    expect(main.get_by_role("link", name="#kiteday")).to_have_count(0)
    fits_phone(page)
    assert fan.errors == []
