"""End to end: search, trends and followed hashtags through Mastodon.py
against `roost serve` as a real process."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.test_mastodon_py import _eventually, _sign_up
from tests.served import served_roost

pytestmark = pytest.mark.e2e


@pytest.fixture
def base(tmp_path: Path) -> Iterator[str]:
    with served_roost(tmp_path) as (port, _log):
        yield f"http://localhost:{port}"


def test_search_trends_and_tag_follows_with_mastodon_py(base: str) -> None:
    alice = _sign_up(base, "alice")
    bob = _sign_up(base, "bob")
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
    assert _eventually(lambda: [s.id for s in bob.timeline_home()] == [posted.id])
    assert isinstance(bob.trending_tags(), list)
    assert isinstance(bob.trending_statuses(), list)
    bob.tag_unfollow("pelicans")
    assert bob.followed_tags() == []
