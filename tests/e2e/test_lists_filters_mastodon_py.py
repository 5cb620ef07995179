"""End to end: lists, filters and conversations of a served Roost, driven by
Mastodon.py as apps call them."""

from __future__ import annotations

import pytest

from tests.e2e.clients import eventually, sign_up

pytestmark = pytest.mark.e2e


def test_lists_filters_and_conversations(server: str) -> None:
    alice, bob, carol = (sign_up(server, n) for n in ("alice", "bob", "carol"))
    bob_id = bob.account_verify_credentials()["id"]
    carol_id = carol.account_verify_credentials()["id"]
    alice.account_follow(bob_id)
    alice.account_follow(carol_id)

    # Lists.
    friends = alice.list_create("friends", replies_policy="list", exclusive=True)
    assert friends["title"] == "friends" and friends["exclusive"] is True
    alice.list_accounts_add(friends["id"], [bob_id])
    assert [a["id"] for a in alice.list_accounts(friends["id"])] == [bob_id]
    assert [entry["id"] for entry in alice.account_lists(bob_id)] == [friends["id"]]
    renamed = alice.list_update(friends["id"], title="close friends", exclusive=True)
    assert renamed["title"] == "close friends"
    assert [entry["id"] for entry in alice.lists()] == [friends["id"]]
    from_bob = bob.status_post("for my friends")
    from_carol = carol.status_post("for everyone")
    assert eventually(
        lambda: [s["id"] for s in alice.timeline_list(friends["id"])] == [from_bob["id"]]
    )
    home = eventually(lambda: [s["id"] for s in alice.timeline_home()] == [from_carol["id"]])
    assert home, "an exclusive list's member stays out of home"

    # Filters (v2): warn and hide.
    hiding = alice.create_filter_v2(
        "no spoilers",
        ["home"],
        filter_action="hide",
        keywords_attributes=[{"keyword": "finale", "whole_word": True}],
    )
    assert [k["keyword"] for k in hiding["keywords"]] == ["finale"]
    warning = alice.create_filter_v2("cats", ["home"], filter_action="warn")
    alice.filter_keywords_v2(warning["id"])
    alice.add_filter_keyword_v2(warning["id"], "cats", whole_word=False)
    hidden = carol.status_post("the finale!")
    warned = carol.status_post("so many cats")
    shown = eventually(
        lambda: {s["id"]: s for s in alice.timeline_home() if s["id"] == warned["id"]}
    )
    assert shown[warned["id"]]["filtered"][0]["filter"]["title"] == "cats"
    assert hidden["id"] not in [s["id"] for s in alice.timeline_home()]
    assert {f["id"] for f in alice.filters_v2()} == {hiding["id"], warning["id"]}
    alice.delete_filter_v2(hiding["id"])
    assert [f["id"] for f in alice.filters_v2()] == [warning["id"]]

    # Conversations.
    bob.status_post("@alice just between us", visibility="direct")
    found = eventually(lambda: alice.conversations())
    assert found and found[0]["unread"] is True
    assert [a["id"] for a in found[0]["accounts"]] == [bob_id]
    read = alice.conversations_read(found[0]["id"])
    assert read["unread"] is False

    alice.list_accounts_delete(friends["id"], [bob_id])
    alice.list_delete(friends["id"])
    assert alice.lists() == []
