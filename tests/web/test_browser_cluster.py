"""The web app against `roost cluster`: HAProxy in front of two app servers
on PostgreSQL and Redis, with a worker, on loopback (tests/cluster/running.py).

Two people in two browser contexts sign up through the balancer; one signs
out and in again through the OAuth page (the authorize page and its form
may reach different app servers), follows the other, and sees her post
arrive live on the home timeline: the stream goes through HAProxy's
streaming backend, and the event crosses processes through Redis pub/sub.
The like's count shows at once and is what a fresh load reads back.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect

from roost.cluster import haproxy
from tests.cluster.running import RunningCluster, running_cluster
from tests.conftest import require_service
from tests.web.people import PASSWORD, Person

pytestmark = [pytest.mark.e2e, pytest.mark.postgres, pytest.mark.redis]


@pytest.fixture(scope="module")
def cluster(
    tmp_path_factory: pytest.TempPathFactory, redis_key_prefix: str
) -> Iterator[RunningCluster]:
    require_service("PostgreSQL", "127.0.0.1", 5432)
    prefix = f"{redis_key_prefix}webcluster:"  # deleted with the session's keys
    tmp_path = tmp_path_factory.mktemp("cluster")
    with running_cluster(tmp_path, servers=2, workers=1, redis_prefix=prefix) as running:
        yield running


@pytest.fixture(scope="module")
def browser(cluster: RunningCluster, browser: Browser) -> Browser:
    """The shared chromium, started after the cluster and stopped before it:
    Playwright's sync API keeps an event loop running meanwhile, and the
    cluster's set-up and tear-down (its scratch database) run one of their own."""
    return browser


def sessions(running: RunningCluster) -> dict[tuple[str, str], tuple[int, int]]:
    """(current, total) sessions of each app server in each backend, from
    HAProxy's runtime API."""
    lines = haproxy.command(running.stats_socket, "show stat").splitlines()
    header = lines[0].removeprefix("# ").split(",")
    at = {name: header.index(name) for name in ("pxname", "svname", "scur", "stot")}
    found = {}
    for line in lines[1:]:
        fields = line.split(",")
        if len(fields) < len(header) or fields[at["pxname"]] not in haproxy.BACKENDS:
            continue
        if fields[at["svname"]] in ("FRONTEND", "BACKEND"):
            continue
        key = (fields[at["pxname"]], fields[at["svname"]])
        found[key] = (int(fields[at["scur"]]), int(fields[at["stot"]]))
    return found


def test_two_people_through_haproxy(browser: Browser, cluster: RunningCluster) -> None:
    # The name the cluster gives itself (its public URL), as a visitor types it.
    base = f"http://localhost:{cluster.port}"
    alice = Person(browser, base, "alice")
    bob = Person(browser, base, "bob")
    alice.sign_up()
    bob.sign_up()

    # Bob signs out and in again through the OAuth page (code + PKCE).
    token = bob.token()
    bob.page.get_by_role("button", name="Sign out").click()
    main_nav = bob.page.get_by_role("navigation", name="Main")
    main_nav.get_by_role("link", name="Sign in").click()
    expect(bob.page).to_have_url(re.compile("/oauth/authorize"))
    bob.page.get_by_label("Username or email").fill("bob@example.com")
    bob.page.get_by_label("Password").fill(PASSWORD)
    bob.page.get_by_role("button", name="Authorize").click()
    expect(bob.page.get_by_role("heading", name="Home")).to_be_visible()
    assert bob.token() != token

    # Bob follows Alice, back on his home timeline with its stream open.
    bob.page.goto("/@alice")
    bob.page.get_by_role("button", name="Follow").click()
    expect(bob.page.get_by_role("button", name="Unfollow")).to_be_visible()
    bob.page.get_by_role("link", name="Home").click()
    expect(bob.page.get_by_role("heading", name="Home")).to_be_visible()

    # Both people's streams are open through HAProxy's streaming backend,
    # which spread them over the two app servers (fewest connections first).
    # Fan-out runs in the worker process: the post reaches Bob's stream
    # through Redis pub/sub, whichever server holds it.
    def streams() -> dict[str, tuple[int, int]]:
        return {
            server: counts
            for (backend, server), counts in sessions(cluster).items()
            if backend == "roost_streaming"
        }

    for _ in range(50):
        if sum(current for current, _ in streams().values()) >= 2:
            break
        bob.page.wait_for_timeout(100)
    assert sum(current for current, _ in streams().values()) >= 2, sessions(cluster)
    assert all(total > 0 for _, total in streams().values()), sessions(cluster)

    alice.post("Hello through the balancer")
    bar = bob.page.get_by_role("button", name="1 new post")
    expect(bar).to_be_visible(timeout=15_000)
    bar.click()
    post = bob.page.locator(".status", has_text="Hello through the balancer")
    expect(post).to_be_visible()

    # The like counts at once; Alice's unread badge counts the follow and
    # the like live, on her own stream.
    post.get_by_role("button", name=re.compile(r"^Like")).click()
    expect(post.get_by_role("button", name="Like (1)")).to_have_attribute("aria-pressed", "true")
    badge = alice.page.get_by_role("navigation", name="Main").locator(".badge")
    expect(badge).to_have_text("2", timeout=15_000)
    # A fresh load (through whichever server) reads the same count.
    bob.page.reload()
    post = bob.page.locator(".status", has_text="Hello through the balancer")
    expect(post.get_by_role("button", name="Like (1)")).to_have_attribute("aria-pressed", "true")
    alice.page.reload()
    mine = alice.page.locator(".status", has_text="Hello through the balancer")
    expect(mine.get_by_role("button", name="Like (1)")).to_be_visible()

    # Round robin sent the app's requests to both servers.
    served = sessions(cluster)
    assert served[("roost_app", "app1")][1] > 0 and served[("roost_app", "app2")][1] > 0, served
    assert alice.errors == [] and bob.errors == []
