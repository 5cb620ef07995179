"""The web app's shell and assets as HTTP answers (no browser)."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from roost.web.shell import IMMUTABLE, AssetBundle, content_security_policy, web_routes

BUNDLE = AssetBundle.load()


@pytest.fixture
def web() -> TestClient:
    return TestClient(Starlette(routes=web_routes(title="Roost <test>", bundle=BUNDLE)))


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/@alice",
        "/@alice/123",
        "/statuses/1",
        "/tags/x",
        "/search",
        "/notifications",
        "/lists",
        "/lists/7",
        "/filters",
        "/filters/new",
        "/followed_tags",
        "/follow_requests",
    ],
)
def test_every_app_path_gets_the_shell(web: TestClient, path: str) -> None:
    response = web.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["cache-control"] == "no-cache"
    csp = response.headers["content-security-policy"]
    assert "script-src 'self';" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    page = response.text
    assert "<title>Roost &lt;test&gt;</title>" in page
    # No inline script: the only script is the module at its versioned URL.
    assert page.count("<script") == 1
    assert f'<script type="module" src="/assets/{BUNDLE.version}/app.js"></script>' in page


def test_the_shell_is_revalidated_with_its_etag(web: TestClient) -> None:
    first = web.get("/")
    again = web.get("/", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and again.content == b""


def test_assets_are_immutable_and_compressed(web: TestClient) -> None:
    url = f"/assets/{BUNDLE.version}/app.js"
    zipped = web.get(url, headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["cache-control"] == IMMUTABLE
    assert zipped.headers["content-encoding"] == "gzip"
    assert zipped.headers["content-type"].startswith("text/javascript")
    plain = web.get(url, headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    assert plain.content == BUNDLE.files["app.js"].body
    assert gzip.decompress(BUNDLE.files["app.js"].gzipped) == plain.content


def test_another_release_gets_the_current_file_but_not_for_good(web: TestClient) -> None:
    response = web.get("/assets/0000000000000000/app.css")
    assert response.status_code == 200 and response.headers["cache-control"] == "no-cache"
    assert (web.get(f"/assets/{BUNDLE.version}/nothing.js")).status_code == 404


def test_the_service_worker_has_a_stable_url(web: TestClient) -> None:
    response = web.get("/sw.js")
    assert response.status_code == 200 and response.headers["cache-control"] == "no-cache"
    assert (web.get(f"/assets/{BUNDLE.version}/sw.js")).status_code == 404


def test_the_version_follows_the_content(tmp_path: Path) -> None:
    folder = tmp_path
    (folder / "app.js").write_text("1")
    first = AssetBundle.load(folder)
    (folder / "app.js").write_text("2")
    assert AssetBundle.load(folder).version != first.version


def test_first_load_stays_under_the_budget() -> None:
    raw, zipped = BUNDLE.first_load_bytes()
    assert zipped < 150_000 and zipped < raw


def test_a_separate_streaming_host_may_be_connected_to() -> None:
    csp = content_security_policy("https://stream.example.com/")
    assert "connect-src 'self' wss://stream.example.com;" in csp


def test_the_shell_names_the_capabilities_this_server_has() -> None:
    app = Starlette(
        routes=web_routes(
            title="Roost",
            bundle=BUNDLE,
            api_paths=["/api/v1/statuses", "/api/v2/search", "/api/v1/notifications"],
        )
    )
    page = TestClient(app).get("/").text
    assert '<meta name="roost-features" content="notifications search">' in page
