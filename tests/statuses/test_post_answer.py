"""The answer to POST /api/v1/statuses is rendered from what the post wrote
(roost.statuses.posted), and the author's cached account is kept across a
post (roost.accounts.store.refresh_account): the answer must be what a read
of the status shows, and the cached account must never be older than the
database."""

from __future__ import annotations

import asyncio
from typing import Any

import msgspec
import pytest
import sqlalchemy as sa

from roost.accounts.records import AccountRecord
from roost.accounts.store import fetch_account, forget_accounts, load_accounts
from roost.db import schema
from roost.kernel.cachekeys import account_key
from roost.statuses import service as status_service
from roost.statuses.drafts import NewStatus
from roost.statuses.service import post_status
from tests.helpers import ApiClient, User
from tests.media.support import ready_media
from tests.statuses.support import account_row, post


def _read_back(client: ApiClient, user: User, body: dict[str, Any]) -> dict[str, Any]:
    response = client.get(f"/api/v1/statuses/{body['id']}", user=user)
    assert response.status_code == 200, response.text
    read: dict[str, Any] = response.json()
    return read


def _cached_account(client: ApiClient, account_id: int) -> AccountRecord | None:
    async def run() -> AccountRecord | None:
        key = account_key(account_id)
        raw = (await client.services.cache.get_many([key])).get(key)
        return None if raw is None else msgspec.msgpack.decode(raw, type=AccountRecord)

    return client.call(run)


def _stored_account(client: ApiClient, account_id: int) -> AccountRecord:
    async def run() -> AccountRecord:
        async with client.services.db.read(primary=True) as conn:
            found = await fetch_account(conn, account_id)
        assert found is not None
        return found

    return client.call(run)


def test_the_answer_is_what_a_read_of_the_status_shows(client: ApiClient) -> None:
    alice = client.make_user("alice")
    bob = client.make_user("bob")
    parent = post(client, bob, "a question")
    media_id = ready_media(client, alice)
    shapes: list[dict[str, Any]] = [
        {"status": "plain words, nothing else"},
        {"status": "Hi @bob, see https://example.com/a?b=1 #Roost\n\nsecond <p>aragraph"},
        {"status": "a reply @bob", "in_reply_to_id": parent["id"]},
        {"status": "behind a warning", "spoiler_text": "cw", "language": "de"},
        {"status": "from here", "location": {"name": "Park", "latitude": 1.5, "longitude": 2}},
        {"status": "only for @bob", "visibility": "direct"},
        {"status": "followers only", "visibility": "private", "sensitive": True},
        {"status": "a picture", "media_ids": [media_id]},
        {"status": "a poll", "poll": {"options": ["yes", "no"], "expires_in": 3600}},
        {"status": "myself @alice and #Tags #tags"},
    ]
    for shape in shapes:
        body = post(client, alice, **shape)
        assert body == _read_back(client, alice, body), shape
        stored = account_row(client, alice)["statuses_count"]
        assert body["account"]["statuses_count"] == stored, shape
    # Direct messages do not count on a profile.
    assert account_row(client, alice)["statuses_count"] == len(shapes) - 1


def test_a_post_reads_nothing_back_after_its_commit(client: ApiClient) -> None:
    """The last statement of a warm post is its shared transaction's job
    insert: no query for the author's account or the status afterwards."""
    alice = client.make_user("alice")
    post(client, alice, "warm up")  # the token and the account are cached now
    with client.count_queries() as statements:
        body = post(client, alice, "a plain post")
    assert body["account"]["statuses_count"] == 2
    words = [" ".join(s.replace('"', "").split()[:3]).upper() for s in statements]
    assert words[-1].startswith("INSERT INTO JOBS"), words
    assert not any("OAUTH_TOKENS" in s.upper() for s in statements)
    # One read: the author's row, inside the transaction that updated it.
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) == 1 and "accounts" in selects[0], selects


def test_the_cached_account_follows_every_post(client: ApiClient) -> None:
    alice = client.make_user("alice")
    for n in range(1, 4):
        post(client, alice, f"post {n}")
        cached = _cached_account(client, alice.id)
        assert cached is not None  # kept across the post, not dropped
        assert cached == _stored_account(client, alice.id)
        assert cached.statuses_count == n


def test_concurrent_posts_of_one_author_leave_no_older_account_cached(
    client: ApiClient,
) -> None:
    """Posts of one author sharing or racing transactions: whichever
    refresh comes last, the cache never holds a count below the database's."""
    alice = client.make_user("alice")
    services = client.services

    async def post_many() -> None:
        news = [NewStatus(author_id=alice.id, text=f"post {i}") for i in range(30)]
        await asyncio.gather(*(post_status(services, n) for n in news))

    client.call(post_many)
    cached = _cached_account(client, alice.id)
    assert cached is None or cached == _stored_account(client, alice.id)
    shown = client.get(f"/api/v1/accounts/{alice.sid}").json()
    assert shown["statuses_count"] == 30


def test_a_profile_change_during_a_post_is_not_overwritten(
    client: ApiClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The account changes (and is dropped from the cache) after the post
    read it and before the post's refresh: the refresh must not put the
    account as the post read it back, nor any row older than the change."""
    alice = client.make_user("alice")
    post(client, alice, "warm up")
    services = client.services
    real_insert = status_service._insert

    async def change_profile_then_insert(*args: Any) -> Any:
        a = schema.accounts
        async with services.db.write() as conn:
            await conn.execute(
                sa.update(a).where(a.c.id == alice.id).values(display_name="Renamed")
            )
        await forget_accounts(services, alice.id)
        # A reader fills the cache with the changed row meanwhile.
        assert (await load_accounts(services, [alice.id]))[alice.id].display_name == "Renamed"
        return await real_insert(*args)

    monkeypatch.setattr(status_service, "_insert", change_profile_then_insert)
    body = post(client, alice, "while renaming")
    assert body["account"]["display_name"] == "Renamed"
    assert body["account"]["statuses_count"] == 2
    cached = _cached_account(client, alice.id)
    assert cached is None or cached == _stored_account(client, alice.id)
    shown = client.get(f"/api/v1/accounts/{alice.sid}").json()
    assert (shown["display_name"], shown["statuses_count"]) == ("Renamed", 2)


def test_an_account_changed_behind_the_cache_is_dropped_not_refreshed(
    client: ApiClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another writer replaced the cached entry between the post's read and
    its refresh (here with a deliberately wrong count): the post drops the
    entry instead of overwriting it, and the next read goes to the database."""
    alice = client.make_user("alice")
    post(client, alice, "warm up")
    services = client.services
    real_insert = status_service._insert

    async def replace_entry_then_insert(*args: Any) -> Any:
        key = account_key(alice.id)
        raw = (await services.cache.get_many([key]))[key]
        record = msgspec.msgpack.decode(raw, type=AccountRecord)
        changed = msgspec.structs.replace(record, statuses_count=99)
        await services.cache.set_many({key: msgspec.msgpack.encode(changed)}, ttl=600)
        return await real_insert(*args)

    monkeypatch.setattr(status_service, "_insert", replace_entry_then_insert)
    post(client, alice, "second")
    assert _cached_account(client, alice.id) is None
    assert client.get(f"/api/v1/accounts/{alice.sid}").json()["statuses_count"] == 2
