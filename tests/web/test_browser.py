"""The web app in a real browser: Debian's chromium driven by Playwright,
against `roost serve` as a real process.

Two people sign up, one follows the other, who posts; the post arrives
live, is liked and replied to; notifications arrive live and are opened; a
post full of markup renders inert; signing out and in again goes through
the server's own OAuth page. Set ROOST_SCREENSHOTS=1 to also save
screenshots of the main pages (desktop and phone width) to docs/images/.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.web.people import PASSWORD, PHONE, Person, png, shoot

pytestmark = pytest.mark.e2e


def test_two_people_use_the_web_app(browser: Browser, served: tuple[str, Path]) -> None:
    base, log = served
    alice = Person(browser, base, "alice")
    bob = Person(browser, base, "bob")
    alice.sign_up()
    bob.sign_up()

    # Keyboard first: the skip link is the first stop; the landmarks are there.
    page = alice.page
    page.reload()
    expect(page.get_by_role("heading", name="Home")).to_be_visible()
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    for role in ("banner", "navigation", "main", "complementary"):
        assert page.get_by_role(role).count() >= 1, role

    # Profile editing.
    page.get_by_role("link", name="Settings").click()
    page.get_by_label("Display name").fill("Wren Calder")
    page.get_by_label("Bio").fill("Curious <b>always</b>")
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_text("Profile saved.")).to_be_visible()
    # The Web Push switch is offered (the server has a VAPID key), and the
    # service worker behind it registers under the page's policy.
    expect(
        page.get_by_role("switch", name="Send notifications to this browser")
    ).not_to_be_checked()
    scope = page.evaluate(
        "navigator.serviceWorker.register('/sw.js', {scope: '/'}).then(r => r.scope)"
    )
    assert scope == f"{base}/"
    page.get_by_role("link", name="Home").click()

    # The counter counts a link as 23 characters, as the server does.
    alice.page.get_by_label("Post text").fill("see https://example.com/" + "x" * 100)
    expect(alice.page.locator(".counter")).to_have_text(str(500 - 4 - 23))

    # Bob follows Alice from her profile.
    bob.page.goto("/@alice")
    bob.page.get_by_role("button", name="Follow").click()
    expect(bob.page.get_by_role("button", name="Unfollow")).to_be_visible()
    bob.page.get_by_role("link", name="Home").click()
    expect(bob.page.get_by_role("heading", name="Home")).to_be_visible()

    # A post that fails keeps its text and says why.
    alice.context.set_offline(True)
    alice.page.get_by_label("Post text").fill("Hello from a browser #roostweb")
    alice.page.get_by_role("button", name="Post", exact=True).click()
    expect(alice.page.get_by_role("alert")).to_contain_text("Not posted")
    expect(alice.page.get_by_label("Post text")).to_have_value("Hello from a browser #roostweb")
    alice.context.set_offline(False)
    # With a photo: a preview at once, then the upload, then alt text.
    composer = alice.page.get_by_role("form", name="New post")
    composer.get_by_label("Add photos or video").set_input_files(
        {"name": "red.png", "mimeType": "image/png", "buffer": png()}
    )
    expect(composer.locator(".previews img")).to_be_visible()
    composer.get_by_label("Description (alt text)").fill("A red rectangle")
    # And a location, from the browser when asked for it.
    alice.context.grant_permissions(["geolocation"])
    alice.context.set_geolocation({"latitude": 48.8566, "longitude": 2.3522})
    composer.get_by_role("button", name="Add my location").click()
    expect(composer.get_by_text("Location: 48.8566, 2.3522")).to_be_visible()
    expect(composer.get_by_role("button", name="Post", exact=True)).to_be_enabled()
    alice.post("Hello from a browser #roostweb")
    expect(composer.locator(".previews li")).to_have_count(0)

    # The post reaches Bob's open home timeline live, behind a bar.
    bar = bob.page.get_by_role("button", name="1 new post")
    expect(bar).to_be_visible()
    bar.click()
    post = bob.page.locator(".status", has_text="Hello from a browser")
    expect(post).to_be_visible()
    expect(post.locator(".location")).to_contain_text("48.8566, 2.3522")
    photo = post.get_by_role("img", name="A red rectangle")
    expect(photo).to_be_visible()
    bob.page.wait_for_function(
        "() => [...document.querySelectorAll('.media img')].some(i => i.naturalWidth > 0)"
    )
    shoot(bob.page, "home")
    # It opens large, and Escape closes it.
    photo.click()
    expect(bob.page.get_by_role("dialog")).to_be_visible()
    bob.page.keyboard.press("Escape")
    expect(bob.page.get_by_role("dialog")).to_have_count(0)

    # A like counts at once, and the server agrees after a reload.
    post.get_by_role("button", name=re.compile(r"^Like")).click()
    expect(post.get_by_role("button", name="Like (1)")).to_have_attribute("aria-pressed", "true")
    # Alice's unread badge counts live: Bob's follow and his like.
    badge = alice.page.get_by_role("navigation", name="Main").locator(".badge")
    expect(badge).to_have_text("2")

    # Reply from the thread view.
    post.locator("a.when").click()
    expect(bob.page.get_by_role("heading", name="Thread")).to_be_visible()
    reply = bob.page.get_by_role("form", name="Reply to Wren Calder")
    expect(reply.get_by_label("Reply text")).to_have_value("@alice ")
    reply.get_by_label("Reply text").press_sequentially("nice one")
    reply.get_by_role("button", name="Reply").click()
    expect(bob.page.locator(".status", has_text="nice one")).to_be_visible()
    bob.page.reload()
    focused = bob.page.locator(".status.focused")
    expect(focused.get_by_role("button", name="Like (1)")).to_be_visible()
    expect(focused.get_by_role("button", name="Reply (1)")).to_be_visible()
    shoot(bob.page, "thread")

    # The hashtag's timeline, from the link in the post.
    focused.get_by_role("link", name="#roostweb").click()
    expect(bob.page.get_by_role("heading", name="#roostweb")).to_be_visible()
    expect(bob.page.locator(".status", has_text="Hello from a browser")).to_be_visible()

    # Alice's profile as Bob sees it; mute and unmute.
    bob.page.goto("/@alice")
    bob.page.get_by_role("button", name="Mute").click()
    bob.page.get_by_role("button", name="Unmute").click()
    expect(bob.page.get_by_role("button", name="Mute")).to_be_visible()
    expect(bob.page.locator(".status", has_text="Hello from a browser")).to_be_visible()
    expect(bob.page.locator(".bio")).to_have_text("Curious <b>always</b>")
    # Nothing sticks out sideways at phone width.
    bob.page.set_viewport_size(PHONE)
    assert bob.page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    bob.page.set_viewport_size({"width": 1280, "height": 720})
    shoot(bob.page, "profile")

    # Alice opens her notifications: the like and the reply; the badge is cleared.
    alice.page.get_by_role("link", name=re.compile("^Notifications")).click()
    expect(alice.page.locator(".notification", has_text="liked your post")).to_be_visible()
    expect(alice.page.locator(".notification", has_text="mentioned you")).to_contain_text(
        "nice one"
    )
    expect(badge).to_be_hidden()
    shoot(alice.page, "notifications")
    # The server keeps the read marker: a fresh load counts nothing unread.
    with alice.page.expect_response(lambda r: "unread_count" in r.url) as answer:
        alice.page.goto("/")
    assert answer.value.json() == {"count": 0}
    expect(badge).to_be_hidden()

    # Search as you type: the post, the hashtag and the person.
    bob.page.get_by_role("link", name="Search").click()
    search = bob.page.get_by_role("searchbox", name="Search")
    search.press_sequentially("alic")
    expect(bob.page.locator(".results .account-row", has_text="@alice")).to_be_visible()
    search.fill("")
    search.press_sequentially("browser")
    expect(bob.page.locator(".results .status", has_text="Hello from a browser")).to_be_visible()
    shoot(bob.page, "search")
    search.fill("#roostweb")
    expect(bob.page.locator(".results").get_by_role("link", name="#roostweb")).to_be_visible()
    # The nearby timeline asks for the position on that page only.
    alice.page.get_by_role("navigation", name="Main").get_by_role("link", name="Nearby").click()
    expect(alice.page.locator(".status", has_text="Hello from a browser")).to_be_visible()

    # Markup in a post is text, whatever it tries.
    alice.page.goto("/")
    hostile = (
        '<script>window.pwned=1</script> <img src=x onerror="window.pwned=2"> '
        '<a href="javascript:window.pwned=3">click</a> javascript:window.pwned=4'
    )
    alice.post(hostile)
    content = alice.page.locator(".status .content").first
    expect(content).to_contain_text("<script>window.pwned=1</script>")
    assert content.locator("script, img, [onerror]").count() == 0
    assert content.locator("a[href^='javascript']").count() == 0
    # The second wall: HTML that the server would never send is cleaned too.
    cleaned = alice.page.evaluate(
        """async () => {
            const { sanitize } = await import(document.querySelector("script[type=module]")
                .src.replace("app.js", "dom.js"));
            const box = document.createElement("div");
            box.append(sanitize('<p onclick="x()">a<script>window.pwned=5</script>'
                + '<img src=x onerror="window.pwned=6"><a href="javascript:alert(1)">b</a>'
                + '<iframe src="/"></iframe><a href="https://example.com/" style="x">c</a></p>'));
            document.body.append(box);
            return box.innerHTML;
        }"""
    )
    assert cleaned == (
        '<p>a<a>b</a><a href="https://example.com/" rel="nofollow noopener noreferrer" '
        'target="_blank">c</a></p>'
    )
    alice.page.wait_for_timeout(100)  # give an injected handler its chance to run
    assert alice.page.evaluate("window.pwned") is None

    # Sign out, then in again through the server's OAuth page (code + PKCE).
    token = alice.token()
    alice.page.get_by_role("button", name="Sign out").click()
    main_nav = alice.page.get_by_role("navigation", name="Main")
    expect(main_nav.get_by_role("link", name="Sign in")).to_be_visible()
    assert alice.page.evaluate("localStorage.getItem('roost.token')") is None
    main_nav.get_by_role("link", name="Sign in").click()
    expect(alice.page).to_have_url(re.compile("/oauth/authorize"))
    alice.page.get_by_label("Username or email").fill("alice@example.com")
    alice.page.get_by_label("Password").fill(PASSWORD)
    alice.page.get_by_role("button", name="Authorize").click()
    expect(alice.page.get_by_role("heading", name="Home")).to_be_visible()
    expect(alice.page).to_have_url(f"{base}/")
    assert alice.token() != token

    # The tokens never travel in a URL, so never reach the server's log.
    logged = log.read_text()
    assert "GET /api/v1/timelines/home" in logged
    for secret in (token, alice.token(), bob.token()):
        assert not [u for u in alice.urls + bob.urls if secret in u]
        assert secret not in logged
    assert alice.errors == [] and bob.errors == []
