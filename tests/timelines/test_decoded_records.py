"""Status records, counts, marks and relation summaries decoded once per
process (kernel.bytememo, keyed by the cached bytes): a warm read can never
answer from an old decoding, nor show a record to a reader who may not see
it."""

from __future__ import annotations

from typing import Any

import msgspec

from roost.kernel.cachekeys import status_key
from roost.statuses.store import STATUS_CACHE_TTL, load_status_blobs
from tests.helpers import ApiClient, User
from tests.timelines.support import follow, post, timeline, unfollow


def home(client: ApiClient, user: User) -> dict[str, dict[str, Any]]:
    response = client.get("/api/v1/timelines/home", user=user)
    assert response.status_code == 200, response.text
    return {s["id"]: s for s in response.json()}


def test_a_record_changed_in_the_shared_cache_shows_at_once(client: ApiClient) -> None:
    """As when another process rewrites the entry: other bytes, another record."""
    alice, bob = client.make_user("alice"), client.make_user("bob")
    follow(client, alice, bob)
    client.drain()
    sid = post(client, bob, "as first written")
    client.drain()
    assert home(client, alice)[sid]["content"] == "<p>as first written</p>"
    assert home(client, alice)[sid]["content"] == "<p>as first written</p>"  # warm

    async def rewrite() -> None:
        records, _ = await load_status_blobs(client.services, [int(sid)])
        changed = msgspec.structs.replace(
            records[int(sid)], text="written elsewhere", content="<p>written elsewhere</p>"
        )
        await client.services.cache.set_many(
            {status_key(int(sid)): msgspec.msgpack.encode(changed)}, ttl=STATUS_CACHE_TTL
        )

    client.call(rewrite)
    assert home(client, alice)[sid]["content"] == "<p>written elsewhere</p>"


def test_an_edit_and_new_counts_show_on_the_next_warm_read(client: ApiClient) -> None:
    alice, bob = client.make_user("alice"), client.make_user("bob")
    follow(client, alice, bob)
    client.drain()
    sid = post(client, bob, "before the edit")
    client.drain()
    home(client, alice)
    assert home(client, alice)[sid]["favourites_count"] == 0
    edited = client.put(f"/api/v1/statuses/{sid}", user=bob, json={"status": "after the edit"})
    assert edited.status_code == 200, edited.text
    liked = client.post(f"/api/v1/statuses/{sid}/favourite", user=alice)
    assert liked.status_code == 200, liked.text
    shown = home(client, alice)[sid]
    assert shown["content"] == "<p>after the edit</p>"
    assert shown["favourites_count"] == 1 and shown["favourited"] is True
    client.post(f"/api/v1/statuses/{sid}/unfavourite", user=alice)
    shown = home(client, alice)[sid]
    assert shown["favourites_count"] == 0 and shown["favourited"] is False


def test_a_record_decoded_for_one_reader_is_judged_again_for_another(
    client: ApiClient,
) -> None:
    alice, bob, carol = (client.make_user(n) for n in ("alice", "bob", "carol"))
    follow(client, alice, bob)
    client.drain()
    private = post(client, bob, "followers only", visibility="private")
    public = post(client, bob, "for everyone")
    client.drain()
    assert {private, public} <= set(home(client, alice))  # decoded for alice
    path = f"/api/v1/accounts/{bob.id}/statuses"
    assert private in timeline(client, path, alice)
    # carol does not follow bob: the same decoded record is not hers to see.
    assert timeline(client, path, carol) == [public]
    assert timeline(client, path) == [public]
    # Unfollowed, then blocked: hidden at once from alice's warm reads.
    unfollow(client, alice, bob)
    assert private not in home(client, alice)
    assert private not in timeline(client, path, alice)
    blocked = client.post(f"/api/v1/accounts/{alice.id}/block", user=bob)
    assert blocked.status_code == 200, blocked.text
    assert public not in home(client, alice)
    assert timeline(client, path, alice) == []
