"""/api/v2/search on every backend: words, phrases, operators, visibility,
deletion, accounts and hashtags."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from tests.helpers import ApiClient, User


def _post(client: ApiClient, user: User, text: str, **extra: Any) -> str:
    response = client.post("/api/v1/statuses", user=user, json={"status": text, **extra})
    assert response.status_code == 200, response.text
    return str(response.json()["id"])


def _found(client: ApiClient, q: str, user: User | None = None, **params: Any) -> list[str]:
    response = client.get(
        "/api/v2/search", user=user, params={"q": q, "type": "statuses", **params}
    )
    assert response.status_code == 200, response.text
    return [s["id"] for s in response.json()["statuses"]]


def test_words_phrases_and_operators(client: ApiClient) -> None:
    alice = client.make_user("alice")
    bob = client.make_user("bob")
    first = _post(client, alice, "The quick brown fox jumps #animals", language="en")
    second = _post(client, bob, "A brown dog naps, not quick at all", language="en")
    reply = _post(client, bob, "quick reply", in_reply_to_id=first)
    assert _found(client, "quick", alice) == [reply, second, first]  # newest first
    assert _found(client, "brown quick", alice) == [second, first]
    assert _found(client, '"quick brown"', alice) == [first]
    assert _found(client, "quick -dog", alice) == [reply, first]
    assert _found(client, "from:bob quick", alice) == [reply, second]
    assert _found(client, "from:@alice", alice) == [first]
    assert _found(client, "from:nobody quick", alice) == []
    assert _found(client, "quick is:reply", alice) == [reply]
    assert _found(client, "quick -is:reply", alice) == [second, first]
    assert _found(client, "#animals", alice) == [first]
    assert _found(client, "#animals quick", alice) == [first]
    assert _found(client, "quick language:en", alice) == [second, first]
    assert _found(client, "quick has:media", alice) == []
    assert _found(client, "quick before:2020-01-01", alice) == []
    assert _found(client, "quick after:2020-01-01", alice) == [reply, second, first]
    assert _found(client, "quick", alice, account_id=bob.sid) == [reply, second]
    assert _found(client, "quick from:alice", alice, account_id=bob.sid) == []
    assert _found(client, "quick in:library", bob) == [reply, second]
    assert _found(client, "quick in:library from:alice", bob) == []
    assert _found(client, "quick in:library") == []  # nobody's library
    # Pages by id, and relevance as an option.
    assert _found(client, "quick", alice, limit=1) == [reply]
    assert _found(client, "quick", alice, max_id=reply) == [second, first]
    assert _found(client, "quick", alice, min_id=first) == [reply, second]
    assert sorted(_found(client, "quick", alice, order="relevance")) == sorted(
        [reply, second, first]
    )
    bad = client.get("/api/v2/search", user=alice, params={"q": "during:yesterday"})
    assert bad.status_code == 422
    # Search syntax in the words is searched, never run.
    assert _found(client, 'fox" OR "dog', alice) == []
    assert _found(client, "NEAR(quick dog)", alice) == []


def test_visibility_blocks_and_deletion(client: ApiClient) -> None:
    author = client.make_user("author")
    follower = client.make_user("follower")
    mentioned = client.make_user("mentioned")
    stranger = client.make_user("stranger")
    assert client.post(f"/api/v1/accounts/{author.sid}/follow", user=follower).status_code == 200
    client.drain()
    public = _post(client, author, "secretword in public")
    private = _post(client, author, "secretword for followers", visibility="private")
    direct = _post(client, author, "secretword @mentioned", visibility="direct")
    assert _found(client, "secretword", author) == [direct, private, public]
    assert _found(client, "secretword", follower) == [private, public]
    assert _found(client, "secretword", mentioned) == [direct, public]
    assert _found(client, "secretword", stranger) == [public]
    assert _found(client, "secretword") == [public]  # anonymous
    # Blocked and muted authors are left out.
    client.post(f"/api/v1/accounts/{author.sid}/mute", user=stranger)
    assert _found(client, "secretword", stranger) == []
    client.post(f"/api/v1/accounts/{follower.sid}/block", user=author)
    assert _found(client, "secretword", follower) == []
    # A deleted status is never found, at once.
    assert client.delete(f"/api/v1/statuses/{public}", user=author).status_code == 200
    assert _found(client, "secretword", author) == [direct, private]
    assert _found(client, "secretword") == []


def test_statuses_of_unindexable_accounts_are_found_by_their_author_and_who_touched_them(
    client: ApiClient,
) -> None:
    """indexable=false keeps an author's statuses out of others' search, as in
    Mastodon; the author and the viewers who were mentioned in, favourited,
    bookmarked or reblogged a status still find that one."""
    shy = client.make_user("shy")
    other = client.make_user("other")
    fan, saver, booster, friend = (
        client.make_user(n) for n in ("fan", "saver", "booster", "friend")
    )
    stranger = client.make_user("stranger")
    loud = _post(client, other, "lanterns everywhere")
    plain = _post(client, shy, "lanterns at dusk")
    liked = _post(client, shy, "lanterns liked")
    saved = _post(client, shy, "lanterns saved")
    boosted = _post(client, shy, "lanterns boosted")
    mention = _post(client, shy, "lanterns for @friend")
    assert client.post(f"/api/v1/statuses/{liked}/favourite", user=fan).status_code == 200
    assert client.post(f"/api/v1/statuses/{saved}/bookmark", user=saver).status_code == 200
    assert client.post(f"/api/v1/statuses/{boosted}/reblog", user=booster).status_code == 200
    everything = [mention, boosted, saved, liked, plain, loud]
    assert _found(client, "lanterns", stranger) == everything  # indexable by default
    answer = client.patch(
        "/api/v1/accounts/update_credentials", user=shy, data={"indexable": "false"}
    )
    assert answer.status_code == 200 and answer.json()["indexable"] is False
    assert _found(client, "lanterns", stranger) == [loud]
    assert _found(client, "lanterns") == [loud]  # anonymous
    assert _found(client, "lanterns", shy) == everything
    assert _found(client, "lanterns", fan) == [liked, loud]
    assert _found(client, "lanterns", saver) == [saved, loud]
    assert _found(client, "lanterns", booster) == [boosted, loud]
    assert _found(client, "lanterns", friend) == [mention, loud]
    # Operators and the author restriction follow the same rule.
    assert _found(client, "from:shy lanterns", stranger) == []
    assert _found(client, "from:shy", stranger) == []
    assert _found(client, "lanterns", fan, account_id=shy.sid) == [liked]
    assert _found(client, "lanterns", stranger, order="relevance") == [loud]
    client.patch("/api/v1/accounts/update_credentials", user=shy, data={"indexable": "true"})
    assert _found(client, "lanterns", stranger) == everything


def test_near_finds_words_posted_within_the_radius(client: ApiClient) -> None:
    alice = client.make_user("alice")
    paris = {"latitude": 48.8566, "longitude": 2.3522}
    centre = _post(client, alice, "croissant centre", location=paris)
    suburb = _post(
        client, alice, "croissant suburb", location={"latitude": 48.95, "longitude": 2.5}
    )
    london = _post(
        client, alice, "croissant london", location={"latitude": 51.5074, "longitude": -0.1278}
    )
    _post(client, alice, "croissant nowhere")
    fiji = _post(client, alice, "croissant fiji", location={"latitude": -17.0, "longitude": 179.9})
    assert _found(client, "croissant near:48.8566,2.3522", alice) == [centre]  # 10 km
    assert _found(client, "croissant near:48.8566,2.3522,20km", alice) == [suburb, centre]
    assert _found(client, "croissant near:48.8566,2.3522,400", alice) == [london, suburb, centre]
    assert _found(client, "near:48.8566,2.3522,400 from:alice", alice) == [london, suburb, centre]
    # Across the antimeridian.
    assert _found(client, "croissant near:-17,-179.9,50", alice) == [fiji]
    for bad in ("near:91,0", "near:48,2,0", "near:48,2,501", "near:paris", "near:1,2,3,4"):
        answer = client.get("/api/v2/search", user=alice, params={"q": f"croissant {bad}"})
        assert answer.status_code == 422, bad
        assert "near:" in answer.json()["error"]


def test_accounts_and_hashtags(client: ApiClient) -> None:
    alice = client.make_user("alicia", display_name="Wonder Land")
    client.make_user("alfred")
    _post(client, alice, "#gardening and #garden and #games")
    found = client.get("/api/v2/search", user=alice, params={"q": "@alicia"}).json()
    assert [a["username"] for a in found["accounts"]] == ["alicia"]
    exact = client.get("/api/v2/search", user=alice, params={"q": "alicia@testserver"}).json()
    assert [a["username"] for a in exact["accounts"]] == ["alicia"]
    prefix = client.get("/api/v2/search", params={"q": "al", "type": "accounts"}).json()
    assert {a["username"] for a in prefix["accounts"]} == {"alicia", "alfred"}
    by_name = client.get("/api/v2/search", params={"q": "wonder", "type": "accounts"}).json()
    assert [a["username"] for a in by_name["accounts"]] == ["alicia"]
    tags = client.get("/api/v2/search", params={"q": "#garden", "type": "hashtags"}).json()
    assert [t["name"] for t in tags["hashtags"]] == ["garden", "gardening"]
    assert len(tags["hashtags"][0]["history"]) == 7
    v1 = client.get("/api/v1/search", params={"q": "gam"}).json()
    assert v1["hashtags"] == ["games"]
    # The older account search keeps working.
    old = client.get("/api/v1/accounts/search", user=alice, params={"q": "alf"})
    assert [a["username"] for a in old.json()] == ["alfred"]


def test_common_and_rare_words_take_their_plans(client: ApiClient, backend: str) -> None:
    """On PostgreSQL a word the statistics call common is found by walking
    the newest statuses, a rare one through the GIN index; both give the
    same newest-first answer as the other databases."""
    author = client.make_user("writer")
    common = [_post(client, author, f"common words number {i}") for i in range(30)]

    async def analyze() -> None:
        async with client.services.db.write() as conn:
            await conn.execute(sa.text("ANALYZE search_statuses"))

    if backend != "sqlite":
        client.call(analyze)
    rare = _post(client, author, "common and unusual")  # a word the statistics never saw
    with client.count_queries() as statements:
        found = _found(client, "common", author)
    assert found == [rare, *reversed(common)][:20]
    walked = any("recent" in s for s in statements)
    assert walked == (backend != "sqlite")
    with client.count_queries() as statements:
        assert _found(client, "unusual", author) == [rare]
    assert not any("recent" in s for s in statements)
    # No parallel workers or JIT for a search (PostgreSQL's guess for an
    # unknown word would start both).
    assert any("max_parallel_workers_per_gather" in s for s in statements) == (backend != "sqlite")
    # Common words that are rare together: the walk finds too few, the
    # index answers.
    assert _found(client, "unusual common", author) == [rare]
    assert _found(client, "common", author, max_id=common[5]) == list(reversed(common[:5]))


def test_the_requests_toot_sends(client: ApiClient) -> None:
    """toot looks accounts up with type=accounts&resolve=true and matches the
    acct; `toot search` sends q and resolve=false without a type."""
    alice = client.make_user("alice")
    reader = client.make_user("reader")
    _post(client, alice, "a post about pelicans")
    for q in ("@alice", "alice", "alice@testserver", "@ALICE@testserver"):
        response = client.get(
            "/api/v2/search", user=reader, params={"q": q, "type": "accounts", "resolve": "true"}
        )
        assert [a["acct"] for a in response.json()["accounts"]] == ["alice"], q
    found = client.get("/api/v2/search", user=reader, params={"q": "pelicans", "resolve": "false"})
    body = found.json()
    assert [s["content"] for s in body["statuses"]] == ["<p>a post about pelicans</p>"]
    assert body["accounts"] == [] and body["hashtags"] == []
    # Another domain's account is not here: nothing found, no error.
    elsewhere = client.get("/api/v2/search", user=reader, params={"q": "@alice@elsewhere.example"})
    assert elsewhere.status_code == 200
