"""Account statuses, public and hashtag timelines."""

from __future__ import annotations

from tests.helpers import ApiClient
from tests.timelines.support import follow, post, reblog, timeline


def test_account_statuses_by_relationship(client: ApiClient) -> None:
    alice, fan, stranger, friend = (
        client.make_user(n) for n in ("alice", "fan", "stranger", "friend")
    )
    follow(client, fan, alice)
    public = post(client, alice, "public")
    unlisted = post(client, alice, "unlisted", visibility="unlisted")
    private = post(client, alice, "private", visibility="private")
    direct = post(client, alice, "hi @friend", visibility="direct")
    path = f"/api/v1/accounts/{alice.id}/statuses"
    assert timeline(client, path, alice) == [direct, private, unlisted, public]
    assert timeline(client, path, fan) == [private, unlisted, public]
    assert timeline(client, path, stranger) == [unlisted, public]
    assert timeline(client, path, friend) == [direct, unlisted, public]
    assert timeline(client, path) == [unlisted, public]
    # Blocked by the account: nothing.
    client.post(f"/api/v1/accounts/{stranger.id}/block", user=alice)
    assert timeline(client, path, stranger) == []
    assert client.get("/api/v1/accounts/98765/statuses").status_code == 404
    # No pins; none of these statuses has media.
    assert timeline(client, path, alice, pinned="true") == []
    assert timeline(client, path, alice, only_media="true") == []


def test_account_statuses_filters_and_paging(client: ApiClient) -> None:
    alice, bob = client.make_user("alice"), client.make_user("bob")
    b1 = post(client, bob, "bob's")
    a1 = post(client, alice, "top #Cats")
    a2 = post(client, alice, "thread", in_reply_to_id=a1)
    a3 = post(client, alice, "@bob reply", in_reply_to_id=b1)
    a4 = reblog(client, alice, b1)
    path = f"/api/v1/accounts/{alice.id}/statuses"
    assert timeline(client, path) == [a4, a3, a2, a1]
    assert timeline(client, path, exclude_replies="true") == [a4, a2, a1]
    assert timeline(client, path, exclude_reblogs="1") == [a3, a2, a1]
    assert timeline(client, path, tagged="cats") == [a1]
    assert timeline(client, path, tagged="dogs") == []
    assert timeline(client, path, limit=2) == [a4, a3]
    assert timeline(client, path, max_id=a3) == [a2, a1]
    assert timeline(client, path, min_id=a1, limit=2) == [a3, a2]
    assert timeline(client, path, since_id=a1, limit=2) == [a4, a3]
    response = client.get(path, params={"limit": 2})
    assert f"max_id={a3}" in response.links["next"]["url"]
    empty = client.get(path, params={"max_id": a1})
    assert empty.json() == [] and "Link" not in empty.headers


def test_public_timeline(client: ApiClient) -> None:
    alice, bob, carol = (client.make_user(n) for n in ("alice", "bob", "carol"))
    p1 = post(client, alice, "public one")
    post(client, alice, "unlisted", visibility="unlisted")
    post(client, alice, "private", visibility="private")
    p2 = post(client, bob, "public two")
    post(client, bob, "@alice a reply", in_reply_to_id=p1)  # replies to others stay out
    p3 = post(client, alice, "self thread", in_reply_to_id=p1)
    reblog(client, bob, p1)  # reblogs stay out
    c1 = post(client, carol, "carol")
    assert timeline(client, "/api/v1/timelines/public") == [c1, p3, p2, p1]
    assert timeline(client, "/api/v1/timelines/public", local="true") == [c1, p3, p2, p1]
    assert timeline(client, "/api/v1/timelines/public", remote="true") == []
    assert timeline(client, "/api/v1/timelines/public", only_media="true") == []
    assert timeline(client, "/api/v1/timelines/public", limit=2) == [c1, p3]
    # Blocked and muted accounts are left out for the viewer.
    client.post(f"/api/v1/accounts/{bob.id}/mute", user=alice)
    client.post(f"/api/v1/accounts/{alice.id}/block", user=carol)
    assert timeline(client, "/api/v1/timelines/public", alice) == [p3, p1]
    assert timeline(client, "/api/v1/timelines/public", carol) == [c1, p2]


def test_tag_timeline(client: ApiClient) -> None:
    alice, bob = client.make_user("alice"), client.make_user("bob")
    cats = post(client, alice, "#cats")
    both = post(client, bob, "#Cats and #dogs")
    dogs = post(client, alice, "#dogs only")
    post(client, alice, "#cats unlisted", visibility="unlisted")
    post(client, alice, "#cats private", visibility="private")
    none = post(client, alice, "no tags")
    assert none
    path = "/api/v1/timelines/tag/cats"
    assert timeline(client, path) == [both, cats]
    assert timeline(client, "/api/v1/timelines/tag/CATS") == [both, cats]
    assert timeline(client, path, query={"any[]": "dogs"}) == [dogs, both, cats]
    assert timeline(client, path, query={"all[]": "dogs"}) == [both]
    assert timeline(client, path, query={"none[]": "dogs"}) == [cats]
    assert timeline(client, path, query={"all[]": "birds"}) == []
    assert timeline(client, "/api/v1/timelines/tag/birds") == []
    assert timeline(client, path, limit=1) == [both]
    client.post(f"/api/v1/accounts/{bob.id}/block", user=alice)
    assert timeline(client, path, alice) == [cats]


def test_odd_tag_names_are_just_not_found(client: ApiClient) -> None:
    alice = client.make_user("alice")
    post(client, alice, "#cats")
    for name in ("%00", "a%00b", "x" * 300, "%F0%9F%90%88", "%23", "..."):
        response = client.get(f"/api/v1/timelines/tag/{name}")
        assert response.status_code in (200, 404), (name, response.text)
        if response.status_code == 200:
            assert response.json() == []
    path = f"/api/v1/accounts/{alice.id}/statuses"
    # NUL in a query value is refused by the request parser, on every database.
    assert client.get(path, params={"tagged": "a\x00b"}).status_code == 422
    assert timeline(client, path, tagged="#cats") != []
    nul = client.get("/api/v1/timelines/tag/cats", params={"none[]": "\x00"})
    assert nul.status_code == 422
