"""A hot (celebrity) author's post: followers' user streams hear of it from
the author's channel (no walk over the followers), notify subscribers and
mentioned accounts get notifications, other followers none."""

from __future__ import annotations

import pytest

from roost.config import Settings
from tests.helpers import ApiClient, User
from tests.streaming.support import events, open_session
from tests.streaming.test_sessions import follow, post


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.replace(hot_user_threshold=2)


def test_hot_author_reaches_streams_and_notifies_only_subscribers(client: ApiClient) -> None:
    star, fan, subscriber, friend = (
        client.make_user(n) for n in ("star", "fan", "subscriber", "friend")
    )
    follow(client, fan, star)
    assert (
        client.post(
            f"/api/v1/accounts/{star.id}/follow", user=subscriber, data={"notify": "true"}
        ).status_code
        == 200
    )
    client.drain()
    stream = open_session(client, fan, "user")
    other = post(client, friend, "someone else")
    shown = post(client, star, "hello everyone, @friend")
    post(client, star, "a reply to a stranger", in_reply_to_id=other)
    client.drain()
    assert [(e, p["id"]) for e, p in events(client, stream)] == [("update", shown)]

    def types(user: User) -> list[str]:
        return [n["type"] for n in client.get("/api/v1/notifications", user=user).json()]

    assert types(subscriber) == ["status"]
    assert types(friend) == ["mention"]
    assert types(fan) == []
