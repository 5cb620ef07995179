"""Home timeline paging, the cache boundary and the cost of a read."""

from __future__ import annotations

from tests.helpers import ApiClient, User, only_selects
from tests.timelines.support import follow, home, post


def _posts(client: ApiClient, user: User, count: int) -> list[str]:
    """``count`` posts, returned newest first."""
    return list(reversed([post(client, user, f"post {i}") for i in range(count)]))


def test_paging_edges(client: ApiClient) -> None:
    alice = client.make_user("alice")
    ids = _posts(client, alice, 7)  # newest first
    client.drain()
    assert home(client, alice) == ids
    assert home(client, alice, limit=3) == ids[:3]
    assert home(client, alice, max_id=ids[2], limit=3) == ids[3:6]
    assert home(client, alice, since_id=ids[4]) == ids[:4]
    assert home(client, alice, since_id=ids[4], limit=2) == ids[:2]  # newest above since_id
    assert home(client, alice, min_id=ids[4], limit=2) == ids[2:4]  # right above min_id
    assert home(client, alice, max_id=ids[0], min_id=ids[3]) == ids[1:3]
    assert home(client, alice, max_id=ids[-1]) == []
    assert home(client, alice, limit=0) == ids[:1]  # clamped up to 1
    assert home(client, alice, limit=1000) == ids  # clamped down to 40
    assert home(client, alice, max_id="9" * 19) == ids  # above every id: no bound
    assert home(client, alice, since_id="9" * 19) == []
    assert client.get("/api/v1/timelines/home?max_id=abc", user=alice).status_code == 422
    assert client.get("/api/v1/timelines/home?min_id=²", user=alice).status_code == 422
    assert client.get("/api/v1/timelines/home?limit=x", user=alice).status_code == 422
    assert client.get("/api/v1/timelines/home").status_code == 401


def test_link_headers_walk_the_timeline(client: ApiClient) -> None:
    alice = client.make_user("alice")
    ids = _posts(client, alice, 5)
    client.drain()
    first = client.get("/api/v1/timelines/home", params={"limit": 2}, user=alice)
    link = first.headers["Link"]
    assert link.index('rel="next"') < link.index('rel="prev"')
    assert f"max_id={ids[1]}" in first.links["next"]["url"]
    assert f"min_id={ids[0]}" in first.links["prev"]["url"]
    assert "limit=2" in first.links["next"]["url"]
    seen: list[str] = []
    response = first
    while response.json():
        seen += [s["id"] for s in response.json()]
        response = client.get(response.links["next"]["url"], user=alice)
    assert seen == ids
    assert "Link" not in response.headers  # an empty page has no Link
    newer = client.get(first.links["prev"]["url"], user=alice)
    assert newer.json() == []


def test_warm_home_read_has_constant_query_count(client: ApiClient) -> None:
    alice, bob = client.make_user("alice"), client.make_user("bob")
    follow(client, alice, bob)
    client.drain()
    for i in range(30):
        post(client, bob if i % 2 else alice, f"post {i}")
    client.drain()

    def queries(limit: int) -> int:
        home(client, alice, limit=limit)  # warm every cache for this page
        with client.count_queries() as statements:
            assert len(home(client, alice, limit=limit)) == limit
        return len(only_selects(statements))

    small, large = queries(2), queries(30)
    assert small == large
    assert small <= 2


def test_link_header_keeps_other_parameters_and_drops_every_cursor(client: ApiClient) -> None:
    """Link bases are remembered per path and non-cursor query (api.paging):
    pages with other cursors, and cursors written percent-encoded, still get
    links without them, and other parameters are kept, each to its own path."""
    alice = client.make_user("alice")
    ids = [post(client, alice, f"post {i}") for i in range(5)]
    client.drain()
    newest = max(int(i) for i in ids)

    def link(path: str) -> str:
        response = client.get(path, user=alice)
        assert response.status_code == 200, response.text
        return response.headers["link"]

    first = link("/api/v1/timelines/home?limit=2")
    assert first.startswith("<http://testserver/api/v1/timelines/home?limit=2&max_id=")
    later = link(f"/api/v1/timelines/home?limit=2&max_id={newest + 1}&since_id=1")
    assert "since_id" not in later and later.count("limit=2") == 2
    encoded = link(f"/api/v1/timelines/home?limit=2&max%5Fid={newest + 1}")
    assert "max%5Fid" not in encoded
    assert encoded.count("max_id=") == 1 and encoded.count("min_id=") == 1
    other = link(f"/api/v1/accounts/{alice.id}/statuses?limit=3&exclude_replies=true")
    assert f"/api/v1/accounts/{alice.id}/statuses?limit=3&exclude_replies=true&max_id=" in other
    assert f'min_id={newest}>; rel="prev"' in other
