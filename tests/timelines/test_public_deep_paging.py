"""Public and hashtag pages past the capped lists read the database (a
tiny cap makes every page cross it), and still match the SQL query."""

from __future__ import annotations

import pytest

from roost.config import Settings
from tests.helpers import ApiClient
from tests.timelines.public_support import from_sql, from_store, over_http, stored
from tests.timelines.support import post


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.replace(home_timeline_length=4)


def test_pages_past_the_cap_match_the_database_query(client: ApiClient) -> None:
    alice, bob, carol = (client.make_user(n) for n in ("alice", "bob", "carol"))
    ids: list[str] = []
    for i in range(11):
        author = bob if i % 3 else carol
        tags = "#cats" if i % 2 else "#dogs #cats"
        ids.insert(0, post(client, author, f"post {i} {tags}"))
    client.drain()
    for tag in (None, "cats"):
        assert over_http(client, alice, tag, limit=40) == ids
        assert stored(client, tag) == [int(i) for i in ids[:4]]  # the cap
        for limit in ("3", "5"):
            for params in (
                {"limit": limit},
                {"limit": limit, "max_id": ids[2]},
                {"limit": limit, "max_id": ids[6]},
                {"limit": limit, "min_id": ids[9]},
                {"limit": limit, "min_id": ids[5]},
                {"limit": limit, "since_id": ids[8]},
                {"limit": limit, "max_id": ids[1], "since_id": ids[7]},
                {"limit": limit, "none": ["dogs"], "max_id": ids[3]},
            ):
                if tag is None and "none" in params:
                    continue
                expected = from_sql(client, alice, tag, **params)
                assert from_store(client, alice, tag, **params) == expected, (tag, params)
                assert over_http(client, alice, tag, **params) == expected, (tag, params)
