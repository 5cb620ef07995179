"""End to end: editing, polls and pins through Mastodon.py against `roost serve`."""

from __future__ import annotations

import pytest

from tests.e2e.clients import eventually, sign_up

pytestmark = pytest.mark.e2e


def test_edits_polls_and_pins_with_mastodon_py(server: str) -> None:
    alice = sign_up(server, "alice")
    bob = sign_up(server, "bob")
    alice_id = alice.account_verify_credentials()["id"]
    bob.account_follow(alice_id)

    posted = alice.status_post("first words", spoiler_text="cw")
    edited = alice.status_update(posted["id"], "better words", spoiler_text="")
    assert edited["edited_at"] is not None and "better" in edited["content"]
    history = alice.status_history(posted["id"])
    assert ["first" in v["content"] for v in history] == [True, False]
    source = alice.status_source(posted["id"])
    assert source["text"] == "better words" and source["spoiler_text"] == ""
    assert eventually(
        lambda: any(
            "better" in s["content"] for s in bob.timeline_home() if s["id"] == posted["id"]
        )
    )

    asked = alice.status_post(
        "tea or coffee?", poll=alice.make_poll(["tea", "coffee"], expires_in=600)
    )
    poll_id = asked["poll"]["id"]
    voted = bob.poll_vote(poll_id, [1])
    assert voted["voted"] is True and voted["own_votes"] == [1]
    assert [o["votes_count"] for o in voted["options"]] == [0, 1]
    assert alice.poll(poll_id)["voters_count"] == 1

    pinned = alice.status_pin(posted["id"])
    assert pinned["pinned"] is True
    shown = bob.account_statuses(alice_id, pinned=True)
    assert [s["id"] for s in shown] == [posted["id"]]
    assert alice.status_unpin(posted["id"])["pinned"] is False
    assert bob.account_statuses(alice_id, pinned=True) == []
