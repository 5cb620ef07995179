"""End to end: search, trends and followed hashtags through Mastodon.py
against `roost serve` as a real process."""

from __future__ import annotations

import pytest

from tests.e2e.clients import eventually, sign_up

pytestmark = pytest.mark.e2e


def test_search_trends_and_tag_follows_with_mastodon_py(server: str) -> None:
    alice = sign_up(server, "alice")
    bob = sign_up(server, "bob")
    bob.tag_follow("pelicans")
    assert [t.name for t in bob.followed_tags()] == ["pelicans"]
    bob.timeline_home()
    posted = alice.status_post("Spotted two #pelicans by the harbour", visibility="public")
    alice.status_post("secret harbour meeting", visibility="private")

    found = bob.search_v2("harbour", result_type="statuses")
    assert [s.id for s in found.statuses] == [posted.id]
    people = bob.search_v2("@alice")
    assert [a.username for a in people.accounts] == ["alice"]
    tags = bob.search_v2("#pelic", result_type="hashtags")
    assert [t.name for t in tags.hashtags] == ["pelicans"]
    assert tags.hashtags[0].following is True
    # The followed tag brought alice's post to bob's home timeline.
    assert eventually(lambda: [s.id for s in bob.timeline_home()] == [posted.id])
    assert isinstance(bob.trending_tags(), list)
    assert isinstance(bob.trending_statuses(), list)
    bob.tag_unfollow("pelicans")
    assert bob.followed_tags() == []
