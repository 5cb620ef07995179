"""statuses.wire: the JSON spliced from cached fragments equals render_statuses."""

from __future__ import annotations

from typing import Any

import msgspec

from roost.statuses.hydrate import render_statuses
from roost.statuses.wire import clear_fragments, render_statuses_json
from tests.helpers import ApiClient, User
from tests.statuses.support import block, follow, post
from tests.statuses.test_hydrate import make_mixed


def both(
    client: ApiClient, ids: list[int], viewer: User | None
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(render_statuses as JSON, render_statuses_json) for the same ids."""
    viewer_id = None if viewer is None else viewer.id

    async def entities() -> bytes:
        return msgspec.json.encode(await render_statuses(client.services, ids, viewer_id=viewer_id))

    async def spliced() -> bytes:
        return await render_statuses_json(client.services, ids, viewer_id=viewer_id)

    expected = msgspec.json.decode(client.call(entities))
    got = msgspec.json.decode(client.call(spliced))
    return expected, got


def test_spliced_json_equals_entities(client: ApiClient) -> None:
    authors = [client.make_user(f"author{i}") for i in range(4)]
    viewer = client.make_user("viewer")
    for author in authors[:3]:
        follow(client, viewer, author)
    ids = make_mixed(client, authors, viewer, 24)
    own = post(client, viewer, "my own, mentioning @author0 #mine", visibility="unlisted")
    mixed = [int(own["id"]), *ids]
    client.post(f"/api/v1/statuses/{ids[3]}/reblog", user=viewer)
    for who in (viewer, authors[0], None):
        clear_fragments()
        cold = both(client, mixed, who)  # fragments built
        warm = both(client, mixed, who)  # fragments reused
        assert cold[0] == cold[1]
        assert warm[0] == warm[1]
        assert warm[0] == cold[0]
        assert len(cold[0]) > 10
    # The keys left out for anonymous readers stay out of the spliced JSON too.
    anonymous = both(client, mixed, None)[1]
    assert all("favourited" not in s and "pinned" not in s for s in anonymous)
    assert any(s["reblog"] is not None for s in anonymous)


def test_fragments_follow_changes(client: ApiClient) -> None:
    """A fragment is keyed by the record's bytes: a changed account or new
    counts show at once."""
    alice, bob = client.make_user("alice"), client.make_user("bob")
    status = post(client, alice, "hello")
    ids = [int(status["id"])]
    assert both(client, ids, bob)[1][0]["account"]["display_name"] == ""
    changed = client.patch(
        "/api/v1/accounts/update_credentials", user=alice, data={"display_name": "Alice A."}
    )
    assert changed.status_code == 200, changed.text
    client.post(f"/api/v1/statuses/{status['id']}/favourite", user=bob)
    expected, got = both(client, ids, bob)
    assert got == expected
    assert got[0]["account"]["display_name"] == "Alice A."
    assert got[0]["favourites_count"] == 1 and got[0]["favourited"] is True


def test_excluded_accounts_and_their_reblogged_statuses_are_dropped(client: ApiClient) -> None:
    alice, bob, carol = (client.make_user(n) for n in ("alice", "bob", "carol"))
    by_bob = int(post(client, bob, "bob's")["id"])
    by_carol = int(post(client, carol, "carol's")["id"])
    reblog = client.post(f"/api/v1/statuses/{by_bob}/reblog", user=carol).json()
    ids = [int(reblog["id"]), by_carol, by_bob]

    def shown(excluded: frozenset[int]) -> list[str]:
        async def run() -> bytes:
            return await render_statuses_json(
                client.services, ids, viewer_id=alice.id, excluded=excluded
            )

        return [s["id"] for s in msgspec.json.decode(client.call(run))]

    assert shown(frozenset()) == [reblog["id"], str(by_carol), str(by_bob)]
    assert shown(frozenset({bob.id})) == [str(by_carol)]
    assert shown(frozenset({carol.id})) == [str(by_bob)]


def test_blocks_hide_statuses_without_excluded_set(client: ApiClient) -> None:
    """Without the feeds' excluded set the blocks come from the relationships."""
    alice, bob = client.make_user("alice"), client.make_user("bob")
    ids = [int(post(client, bob, "hi")["id"])]
    assert len(both(client, ids, alice)[1]) == 1
    block(client, bob, alice)
    expected, got = both(client, ids, alice)
    assert got == expected == []
