"""Hot accounts in lists: not fanned out, merged into list timelines at read time."""

from __future__ import annotations

import pytest

from roost.config import Settings
from tests.helpers import ApiClient
from tests.lists.support import add, cached_list, list_timeline, make_list
from tests.timelines.support import follow, post


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.replace(hot_user_threshold=2)


def test_hot_members_are_merged_at_read_time(client: ApiClient) -> None:
    star, alice, fan = (client.make_user(n) for n in ("star", "alice", "fan"))
    follow(client, alice, star)
    follow(client, fan, star)  # two followers: hot, not fanned out
    client.drain()
    list_id = make_list(client, alice, replies_policy="none")
    add(client, alice, list_id, star)
    list_timeline(client, alice, list_id)
    s1 = post(client, star, "a hot post")
    f1 = post(client, fan, "fan's post")
    client.drain()
    post(client, star, "a reply to fan", in_reply_to_id=f1)
    client.drain()
    assert cached_list(client, list_id) == []  # not pushed
    assert list_timeline(client, alice, list_id) == [s1]  # merged, the reply left out
