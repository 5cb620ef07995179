"""What instance pickers and other software ask: WebFinger, host-meta,
NodeInfo, weekly activity, peers, texts and announcements."""

from __future__ import annotations

from tests.helpers import ApiClient
from tests.oauth.support import password_login, register_app
from tests.timelines.support import post


def test_webfinger_finds_local_accounts_only(client: ApiClient) -> None:
    alice = client.make_user("alice")
    found = client.get("/.well-known/webfinger", params={"resource": "acct:Alice@testserver"})
    assert found.status_code == 200, found.text
    assert found.headers["content-type"].startswith("application/jrd+json")
    jrd = found.json()
    assert jrd["subject"] == "acct:alice@testserver"
    profile = [link for link in jrd["links"] if link["rel"].endswith("profile-page")]
    assert profile[0]["href"] == "http://testserver/@alice"
    assert (
        client.get(
            "/.well-known/webfinger", params={"resource": "http://testserver/@alice"}
        ).json()["subject"]
        == "acct:alice@testserver"
    )
    for unknown in ("acct:bob@testserver", "acct:alice@elsewhere.example", "nonsense"):
        response = client.get("/.well-known/webfinger", params={"resource": unknown})
        assert response.status_code == 404, unknown
    assert client.get("/.well-known/webfinger").status_code == 400
    del alice


def test_host_meta_points_at_webfinger(client: ApiClient) -> None:
    response = client.get("/.well-known/host-meta")
    assert response.status_code == 200
    assert "application/xrd+xml" in response.headers["content-type"]
    assert "http://testserver/.well-known/webfinger?resource={uri}" in response.text


def test_nodeinfo_counts_users_and_posts(client: ApiClient) -> None:
    alice = client.make_user("alice")
    client.make_user("bob")
    post(client, alice, "one")
    post(client, alice, "two")
    login = password_login(client, register_app(client), "alice")
    assert login.status_code == 200
    links = client.get("/.well-known/nodeinfo").json()["links"]
    assert links[0]["href"] == "http://testserver/nodeinfo/2.0"
    info = client.get("/nodeinfo/2.0").json()
    assert info["version"] == "2.0"
    assert info["software"]["name"] == "roost"
    assert info["usage"]["users"] == {"total": 2, "activeMonth": 1, "activeHalfyear": 1}
    assert info["usage"]["localPosts"] == 2
    assert isinstance(info["openRegistrations"], bool)


def test_weekly_activity_and_small_endpoints(client: ApiClient) -> None:
    alice = client.make_user("alice")
    post(client, alice, "this week")
    weeks = client.get("/api/v1/instance/activity").json()
    assert len(weeks) == 12
    assert weeks[0]["statuses"] == "1"
    assert weeks[0]["registrations"] == "1"
    assert int(weeks[0]["week"]) > int(weeks[1]["week"])
    assert client.get("/api/v1/instance/peers").json() == []
    assert client.get("/api/v1/instance/extended_description").json()["content"]
    assert client.get("/api/v1/instance/privacy_policy").json()["content"]
    assert client.get("/api/v1/announcements", user=alice).json() == []
    assert client.post("/api/v1/announcements/1/dismiss", user=alice).status_code == 404
    reaction = client.put("/api/v1/announcements/1/reactions/x", user=alice)
    assert reaction.status_code == 422
    assert "not supported" in reaction.json()["error"]
