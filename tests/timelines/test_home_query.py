"""The home timeline read from the database: every followed account's
statuses merged in id order, for every kind of page bound."""

from __future__ import annotations

from roost.kernel.paging import Page
from roost.timelines.home_query import MIN_CHUNK, query_home_ids
from tests.helpers import ApiClient
from tests.timelines.support import follow, post


def test_pages_merge_the_newest_of_every_followed_account(client: ApiClient) -> None:
    reader = client.make_user("reader")
    authors = [client.make_user(f"author{i}") for i in range(3)]
    for author in authors:
        follow(client, reader, author)
    stranger = client.make_user("stranger")
    client.drain()
    # More posts per author than one database round reads per account, so
    # each account's stream is cut and the merge must continue past the cut.
    per_author = MIN_CHUNK + 5
    posted = []
    for n in range(per_author):
        for author in authors:
            posted.append(int(post(client, author, f"{author.username} {n}")))
        if n % 10 == 0:
            post(client, stranger, f"not followed {n}")
    newest = sorted(posted, reverse=True)

    def read(**bounds: int) -> list[int]:
        async def go() -> list[int]:
            return await query_home_ids(client.services, viewer_id=reader.id, page=Page(**bounds))

        return client.call(go)

    assert read(limit=20) == newest[:20]
    assert read(limit=80) == newest[:80]
    assert read(limit=200) == newest
    assert read(limit=20, max_id=newest[99]) == newest[100:120]
    assert read(limit=5, since_id=newest[30]) == newest[:5]
    # min_id: the page right above the bound, still newest first
    assert read(limit=5, min_id=newest[30]) == newest[25:30]
    assert read(limit=20, max_id=newest[10], since_id=newest[16]) == newest[11:16]
