"""One's own posts in a real browser: polls (composed, voted in, results),
editing with its history, pins, deletion, and scheduled posts, each checked
on the page and against the API of the same `roost serve` process."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
from playwright.sync_api import Browser, expect

from tests.web.people import PHONE, Person

pytestmark = pytest.mark.e2e

HOSTILE = '<img src=x onerror="window.pwned=1">'


def call(base: str, person: Person, method: str, path: str) -> Any:
    answer = httpx.request(
        method, base + path, headers={"Authorization": f"Bearer {person.token()}"}, timeout=10
    )
    return answer.status_code, answer.json()


def test_polls_edits_pins_deletion_and_schedules(
    browser: Browser, served: tuple[str, Path]
) -> None:
    base, _ = served
    alice = Person(browser, base, "alice")
    bob = Person(browser, base, "bob")
    console: list[str] = []
    for person in (alice, bob):
        person.page.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
    alice.sign_up()
    bob.sign_up()
    page = alice.page
    alice_id = call(base, bob, "GET", "/api/v1/accounts/lookup?acct=alice")[1]["id"]
    assert call(base, bob, "POST", f"/api/v1/accounts/{alice_id}/follow")[0] == 200

    # A poll with a content warning: three options (one of them markup), one
    # hour, several choices.
    composer = page.get_by_role("form", name="New post")
    composer.get_by_label("Post text").fill("Which birds? #birds")
    composer.get_by_role("checkbox", name="Content warning").check()
    composer.get_by_role("textbox", name="Content warning").fill("Bird talk")
    composer.get_by_role("button", name="Poll", exact=True).click()
    expect(composer.get_by_role("button", name="Poll", exact=True)).to_have_attribute(
        "aria-pressed", "true"
    )
    # A post holds a poll or media, not both.
    expect(composer.locator("input[type=file]")).to_be_disabled()
    composer.get_by_label("Option 1", exact=True).fill("Robin")
    composer.get_by_label("Option 2", exact=True).fill("Wren")
    composer.get_by_role("button", name="Add an option").click()
    composer.get_by_label("Option 3", exact=True).fill(HOSTILE)
    composer.get_by_role("button", name="Add an option").click()
    expect(composer.get_by_role("button", name="Add an option")).to_be_hidden()  # 4 at most
    composer.get_by_role("button", name="Remove option 4").click()
    composer.get_by_label("Duration").select_option(label="1 hour")
    composer.get_by_label("Several choices allowed").check()
    # Nothing sticks out sideways at phone width, poll editor open.
    page.set_viewport_size(PHONE)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.set_viewport_size({"width": 1280, "height": 720})
    composer.get_by_role("button", name="Post", exact=True).click()
    post = page.locator(".status", has_text="Bird talk").first
    expect(post).to_be_visible()
    expect(composer.get_by_label("Post text")).to_have_value("")
    expect(composer.locator(".poll-editor")).to_be_hidden()
    status_id = post.get_attribute("data-id")
    assert status_id
    post = page.locator(f'.status[data-id="{status_id}"]')
    code, status = call(base, alice, "GET", f"/api/v1/statuses/{status_id}")
    assert code == 200 and status["spoiler_text"] == "Bird talk"
    poll = status["poll"]
    assert [o["title"] for o in poll["options"]] == ["Robin", "Wren", HOSTILE]
    assert poll["multiple"] is True
    left = datetime.fromisoformat(poll["expires_at"].replace("Z", "+00:00")) - datetime.now(UTC)
    assert timedelta(minutes=58) < left <= timedelta(hours=1)

    # Bob votes for two options in the thread; the results replace the form.
    bob.page.goto(f"/statuses/{status_id}")
    focused = bob.page.locator(".status.focused")
    focused.get_by_text("Bird talk").click()  # open the content warning
    box = focused.locator(".poll")
    expect(box).to_have_attribute("aria-live", "polite")
    expect(box.get_by_role("checkbox", name=HOSTILE)).to_be_visible()  # text, not an image
    assert focused.locator(".poll img").count() == 0
    box.get_by_role("button", name="Vote").click()
    expect(box.get_by_role("alert")).to_have_text("Choose an option first.")
    box.get_by_role("checkbox", name="Robin").check()
    box.get_by_role("checkbox", name=HOSTILE).check()
    box.get_by_role("button", name="Vote").click()
    results = box.get_by_role("list", name="Poll results")
    expect(results.locator("li")).to_have_text(
        ["100% Robin (your choice)", "0% Wren", f"100% {HOSTILE} (your choice)"]
    )
    expect(box.locator(".poll-summary")).to_contain_text("1 person · Ends in")
    code, voted = call(base, bob, "GET", f"/api/v1/polls/{status_id}")
    assert voted["voted"] is True and voted["own_votes"] == [0, 2]
    assert [o["votes_count"] for o in voted["options"]] == [1, 0, 1]
    # After a reload the server's answer shows the results, not the form.
    bob.page.reload()
    bob.page.locator(".status.focused").get_by_text("Bird talk").click()
    expect(bob.page.locator(".status.focused .poll-results li").first).to_have_text(
        "100% Robin (your choice)"
    )

    # An ended poll shows its results, not a form, to one who never voted.
    ended = bob.page.evaluate(
        """async () => {
            const { renderPoll } = await import(document.querySelector("script[type=module]")
                .src.replace("app.js", "poll.js"));
            const poll = { id: "1", expired: true, expires_at: "2020-01-01T00:00:00Z",
                multiple: false, votes_count: 4, voters_count: 4, voted: false, own_votes: [],
                options: [{ title: "a", votes_count: 3 }, { title: "b", votes_count: 1 }] };
            const box = renderPoll({ poll }, { me: { id: "9" } });
            return [box.querySelectorAll("form").length,
                [...box.querySelectorAll("li")].map((li) => li.textContent),
                box.querySelector(".poll-summary").textContent];
        }"""
    )
    assert ended == [0, ["75% a", "25% b"], "4 people · Closed"]

    # Bob reads his home timeline, where her post is, results and all.
    bob.page.get_by_role("link", name="Home").click()
    bobs = bob.page.locator(f'.status[data-id="{status_id}"]')
    expect(bobs.locator(".poll-results")).to_have_count(1)
    bob.page.get_by_role("heading", name="Home").focus()

    # Alice's own post, shown at once, does not also wait behind the "new
    # posts" bar when the stream brought it too.
    expect(page.get_by_role("button", name=re.compile("new post"))).to_have_count(0)

    # Alice edits her post in place: the composer holds the source text.
    post.get_by_role("button", name="Edit", exact=True).click()
    editor = post.get_by_role("form", name="Edit post")
    expect(editor.get_by_label("Post text")).to_have_value("Which birds? #birds")
    expect(editor.get_by_role("textbox", name="Content warning")).to_have_value("Bird talk")
    expect(editor.get_by_label("Option 1", exact=True)).to_have_value("Robin")
    expect(editor.get_by_label("Visibility")).to_have_count(0)  # an edit keeps it
    editor.get_by_label("Post text").fill("Which birds do you like? #birds")
    editor.get_by_role("button", name="Save").click()
    expect(post.get_by_role("form", name="Edit post")).to_have_count(0)
    post.get_by_text("Bird talk").click()
    expect(post.locator(".content")).to_contain_text("Which birds do you like?")
    code, status = call(base, alice, "GET", f"/api/v1/statuses/{status_id}")
    assert status["edited_at"] and "do you like" in status["content"]
    assert status["poll"]["votes_count"] == 2  # same options: the votes stay
    # Bob sees the edit arrive live, his vote still counted as his.
    expect(bobs.locator(".content")).to_contain_text("Which birds do you like?")
    expect(bobs.get_by_role("button", name="Edited: show the edit history")).to_be_visible()
    expect(bobs.locator(".poll-results li").first).to_have_text("100% Robin (your choice)")
    # Its history: the original and the edit, newest first.
    post.get_by_role("button", name="Edited: show the edit history").click()
    history = page.get_by_role("dialog", name="Edit history")
    expect(history.locator(".version")).to_have_count(2)
    expect(history.locator(".version").first).to_contain_text("Edit 1")
    expect(history.locator(".version").first).to_contain_text("Which birds do you like?")
    expect(history.locator(".version").last).to_contain_text("Original")
    expect(history.locator(".version").last).to_contain_text("Which birds? #birds")
    page.keyboard.press("Escape")
    expect(history).to_have_count(0)

    # Pin, seen on the profile, then unpin.
    post.get_by_role("button", name="Pin", exact=True).click()
    expect(post.get_by_role("button", name="Unpin")).to_be_visible()
    me = call(base, alice, "GET", "/api/v1/accounts/verify_credentials")[1]
    pinned_path = f"/api/v1/accounts/{me['id']}/statuses?pinned=true"
    assert [s["id"] for s in call(base, alice, "GET", pinned_path)[1]] == [status_id]
    bob.page.goto("/@alice")
    pinned = bob.page.get_by_role("region", name="Pinned posts")
    expect(pinned.locator(".status")).to_have_count(1)
    expect(pinned.locator(".status")).to_contain_text("Bird talk")
    post.get_by_role("button", name="Unpin").click()
    expect(post.get_by_role("button", name="Pin", exact=True)).to_be_visible()
    assert call(base, alice, "GET", pinned_path)[1] == []

    # Delete: a confirmation first; Cancel keeps the post.
    post.get_by_role("button", name="Delete").click()
    confirm = page.get_by_role("dialog", name="Delete this post?")
    expect(confirm.get_by_role("button", name="Cancel")).to_be_focused()
    confirm.get_by_role("button", name="Cancel").click()
    expect(confirm).to_have_count(0)
    assert call(base, alice, "GET", f"/api/v1/statuses/{status_id}")[0] == 200
    post.get_by_role("button", name="Delete").click()
    confirm.get_by_role("button", name="Delete").click()
    expect(post).to_have_count(0)
    assert call(base, alice, "GET", f"/api/v1/statuses/{status_id}")[0] == 404

    # Scheduling: too soon is refused by the server and keeps the text...
    composer.get_by_label("Post text").fill("Later: <b>owls</b>")
    composer.get_by_label("Schedule").check()
    expect(composer.get_by_role("button", name="Schedule")).to_be_visible()
    at = composer.get_by_label("Post at")
    default = at.input_value()  # an hour ahead, in the browser's time zone
    soon = datetime.fromisoformat(default) - timedelta(minutes=58)
    at.fill(soon.strftime("%Y-%m-%dT%H:%M"))
    composer.get_by_role("button", name="Schedule").click()
    expect(composer.get_by_role("alert")).to_contain_text("at least 5 minutes")
    expect(composer.get_by_label("Post text")).to_have_value("Later: <b>owls</b>")
    assert call(base, alice, "GET", "/api/v1/scheduled_statuses")[1] == []
    # ...an hour ahead is taken, and nothing is posted now.
    at.fill(default)
    composer.get_by_role("button", name="Schedule").click()
    expect(composer.get_by_role("status")).to_contain_text("Scheduled for")
    expect(composer.get_by_label("Post text")).to_have_value("")
    scheduled = call(base, alice, "GET", "/api/v1/scheduled_statuses")[1]
    assert [s["params"]["text"] for s in scheduled] == ["Later: <b>owls</b>"]
    when = datetime.fromisoformat(scheduled[0]["scheduled_at"].replace("Z", "+00:00"))
    assert timedelta(minutes=55) < when - datetime.now(UTC) < timedelta(minutes=61)
    assert call(base, alice, "GET", f"/api/v1/accounts/{me['id']}/statuses")[1] == []
    # The scheduled posts page lists it as text, and cancels it.
    composer.get_by_role("link", name="See scheduled posts").click()
    expect(page.get_by_role("heading", name="Scheduled posts")).to_be_visible()
    item = page.locator(".scheduled", has_text="Later: <b>owls</b>")
    expect(item).to_be_visible()
    assert item.locator("b").count() == 0
    # Moved an hour later (the field holds the local time).
    later = datetime.fromisoformat(default) + timedelta(hours=1)
    item.get_by_label("New time").fill(later.strftime("%Y-%m-%dT%H:%M"))
    item.get_by_role("button", name="Move").click()
    page.wait_for_function(
        "t => document.querySelector('.scheduled time').dateTime !== t",
        arg=scheduled[0]["scheduled_at"],
    )
    moved = call(base, alice, "GET", "/api/v1/scheduled_statuses")[1]
    assert (
        timedelta(minutes=59)
        <= datetime.fromisoformat(moved[0]["scheduled_at"].replace("Z", "+00:00")) - when
        <= timedelta(minutes=61)
    )
    item.get_by_role("button", name=re.compile("^Cancel the post scheduled for")).click()
    page.get_by_role("dialog").get_by_role("button", name="Cancel post").click()
    expect(page.get_by_text("Nothing scheduled.")).to_be_visible()
    assert call(base, alice, "GET", "/api/v1/scheduled_statuses")[1] == []

    page.wait_for_timeout(50)
    assert alice.page.evaluate("window.pwned") is None
    assert bob.page.evaluate("window.pwned") is None
    assert alice.errors == [] and bob.errors == []
    assert not [m for m in console if "Content Security Policy" in m], console
