"""Link headers come from the configured public URL, with every part of the
request that ends up in them percent-encoded."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from tests.helpers import ApiClient
from tests.timelines.support import post


def _entries(link: str) -> list[str]:
    """The ``<url>; rel="..."`` entries, split where a client splits them."""
    return [entry.strip() for entry in link.split(",")]


def test_a_crafted_tag_cannot_add_link_entries(client: ApiClient) -> None:
    alice = client.make_user("alice")
    post(client, alice, "hello #cats")
    crafted = 'x>; rel="next", <https:evil.example?a='
    path = "/api/v1/timelines/tag/x%3E%3B%20rel%3D%22next%22%2C%20%3Chttps%3Aevil.example%3Fa%3D"
    # "any[]" finds the status, so the page has a Link at all.
    response = client.get(path, params={"any[]": "cats", "limit": "1"})
    assert response.status_code == 200 and len(response.json()) == 1
    link = response.headers["Link"]
    entries = _entries(link)
    assert len(entries) == 2, link
    assert entries[0].endswith('; rel="next"') and entries[1].endswith('; rel="prev"')
    assert "<https:evil" not in link
    next_url = response.links["next"]["url"]
    parts = urlsplit(next_url)
    assert (parts.scheme, parts.netloc) == ("http", "testserver")
    assert unquote(parts.path) == "/api/v1/timelines/tag/" + crafted
    # The link works: following it lands on the same timeline's next page.
    assert client.get(next_url).status_code == 200


def test_a_decoded_question_mark_stays_in_the_path(client: ApiClient) -> None:
    alice = client.make_user("alice")
    post(client, alice, "hello #cats")
    response = client.get("/api/v1/timelines/tag/a%3Fb%23c", params={"any[]": "cats"})
    assert response.status_code == 200
    next_url = response.links["next"]["url"]
    assert next_url.startswith("http://testserver/api/v1/timelines/tag/a%3Fb%23c?")
    assert "any%5B%5D=cats" in next_url


def test_links_ignore_the_host_header(client: ApiClient) -> None:
    alice = client.make_user("alice")
    post(client, alice, "one")
    post(client, alice, "two")
    client.drain()
    response = client.get(
        "/api/v1/timelines/home",
        params={"limit": "1"},
        user=alice,
        headers={"Host": "evil.example", "X-Forwarded-Host": "evil.example"},
    )
    assert response.status_code == 200
    for rel in ("next", "prev"):
        url = response.links[rel]["url"]
        assert urlsplit(url).netloc == "testserver", url
        assert "evil" not in url


def test_links_use_the_public_url(client: ApiClient) -> None:
    alice = client.make_user("alice")
    post(client, alice, "one")
    client.drain()
    # The public URL is what settings say, whatever address the request used.
    response = client.get("http://127.0.0.1:8123/api/v1/timelines/home", user=alice)
    assert response.links["next"]["url"].startswith("http://testserver/api/v1/timelines/home?")
