"""Deleting an account, through HTTP: by its owner with the password, or by
an administrator once it is suspended. At once nobody sees anything of it
and its tokens answer 401; the ``purge_account`` job then removes its data
in chunks (resuming where a killed worker left it), fixing the other
accounts' counters, and leaves the row as a tombstone whose name stays
taken."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from roost.accounts import purge
from roost.accounts.deletion import PURGE_ACCOUNT
from roost.config import Settings
from roost.db import schema
from roost.jobs.runner import Job
from roost.oauth.token_memo import TOKENS_CHANNEL
from roost.services import Services
from tests.accounts.signup_support import sign_up
from tests.admin.test_moderation import make_admin
from tests.helpers import ApiClient, User
from tests.lists.support import add, make_list
from tests.oauth.support import bearer, password_login, register_app
from tests.timelines.support import cached_home, follow, home, post, reblog, timeline

PASSWORD = "correct horse battery"  # make_user's

# Every (table, column) that may hold an account's data: after the purge
# none holds the deleted account (its row in ``accounts`` is the tombstone;
# reports about it are the moderators' record and stay).
OWNED = [
    (schema.statuses, "account_id"),
    (schema.status_edits, "account_id"),
    (schema.polls, "account_id"),
    (schema.poll_voters, "account_id"),
    (schema.status_pins, "account_id"),
    (schema.scheduled_statuses, "account_id"),
    (schema.follows, "account_id"),
    (schema.follows, "target_account_id"),
    (schema.follow_requests, "account_id"),
    (schema.follow_requests, "target_account_id"),
    (schema.blocks, "account_id"),
    (schema.blocks, "target_account_id"),
    (schema.mutes, "account_id"),
    (schema.mutes, "target_account_id"),
    (schema.endorsements, "account_id"),
    (schema.endorsements, "target_account_id"),
    (schema.favourites, "account_id"),
    (schema.bookmarks, "account_id"),
    (schema.oauth_tokens, "account_id"),
    (schema.oauth_codes, "account_id"),
    (schema.email_confirmations, "account_id"),
    (schema.idempotency_keys, "account_id"),
    (schema.notifications, "account_id"),
    (schema.notifications, "from_account_id"),
    (schema.markers, "account_id"),
    (schema.domain_blocks, "account_id"),
    (schema.featured_tags, "account_id"),
    (schema.suggestion_dismissals, "account_id"),
    (schema.push_subscriptions, "account_id"),
    (schema.media_attachments, "account_id"),
    (schema.tag_follows, "account_id"),
    (schema.lists, "account_id"),
    (schema.list_accounts, "account_id"),
    (schema.list_accounts, "owner_id"),
    (schema.filters, "account_id"),
    (schema.conversations, "account_id"),
]


@pytest.fixture(autouse=True)
def _purge_waits_no_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """A purge waiting for the un-fan-out of its statuses looks again at once
    (drain() runs only the jobs already due)."""
    monkeypatch.setattr(purge, "WAIT", timedelta(0))


def left_of(client: ApiClient, account_id: int) -> dict[str, int]:
    """What the database still holds of the account, by table.column."""

    async def count() -> dict[str, int]:
        found: dict[str, int] = {}
        async with client.services.db.read(primary=True) as conn:
            for table, column in OWNED:
                n = (
                    await conn.execute(
                        sa.select(sa.func.count()).where(table.c[column] == account_id)
                    )
                ).scalar_one()
                if n:
                    found[f"{table.name}.{column}"] = int(n)
        return found

    return client.call(count)


def pending_jobs(client: ApiClient, kind: str) -> list[dict[str, Any]]:
    async def read() -> list[dict[str, Any]]:
        j = schema.jobs
        async with client.services.db.read(primary=True) as conn:
            rows = await conn.execute(sa.select(j.c.payload).where(j.c.kind == kind))
            return [dict(r[0]) for r in rows]

    return client.call(read)


def account(client: ApiClient, viewer: User, someone: User) -> dict[str, Any]:
    response = client.get(f"/api/v1/accounts/{someone.id}", user=viewer)
    assert response.status_code == 200, response.text
    return dict(response.json())


def counts(client: ApiClient, viewer: User, status_id: str) -> tuple[int, int, int]:
    shown = client.get(f"/api/v1/statuses/{status_id}", user=viewer)
    assert shown.status_code == 200, shown.text
    body = shown.json()
    return body["favourites_count"], body["reblogs_count"], body["replies_count"]


def delete_own(client: ApiClient, user: User, password: str) -> Any:
    return client.post("/settings/delete", user=user, json={"password": password})


def test_deleting_ones_account_hides_it_at_once_and_the_job_removes_its_data(
    client: ApiClient,
) -> None:
    alice, bob, carol, dave = (client.make_user(n) for n in ("alice", "bob", "carol", "dave"))
    # Alice's graph: she and bob follow each other, carol follows her, she
    # mutes dave and dave blocks her.
    follow(client, bob, alice)
    follow(client, alice, bob)
    follow(client, carol, alice)
    assert client.post(f"/api/v1/accounts/{dave.id}/mute", user=alice).status_code == 200
    assert client.post(f"/api/v1/accounts/{alice.id}/block", user=dave).status_code == 200
    client.drain()
    # What she wrote, and what others did with it.
    mine = post(client, alice, "deletable words #farewell")
    reply = post(client, alice, "a reply of mine", in_reply_to_id=mine)
    bobs = post(client, bob, "bob speaks")
    post(client, alice, "an answer to bob", in_reply_to_id=bobs)
    poll = client.post(
        "/api/v1/statuses",
        user=bob,
        data={"status": "vote", "poll[options][]": ["yes", "no"], "poll[expires_in]": "3600"},
    ).json()["poll"]["id"]
    client.drain()
    boosted = reblog(client, bob, mine)
    assert client.post(f"/api/v1/statuses/{mine}/favourite", user=carol).status_code == 200
    # What she did with others' statuses.
    reblog(client, alice, bobs)
    assert client.post(f"/api/v1/statuses/{bobs}/favourite", user=alice).status_code == 200
    assert client.post(f"/api/v1/statuses/{bobs}/bookmark", user=alice).status_code == 200
    voted = client.post(f"/api/v1/polls/{poll}/votes", user=alice, json={"choices": [0]})
    assert voted.status_code == 200, voted.text
    # Her list with bob in it, bob's list with her in it, her filter.
    own_list = make_list(client, alice, "mine")
    add(client, alice, own_list, bob)
    bobs_list = make_list(client, bob, "people")
    add(client, bob, bobs_list, alice)
    made = client.post(
        "/api/v2/filters",
        user=alice,
        json={"title": "f", "context": ["home"], "keywords_attributes": [{"keyword": "x"}]},
    )
    assert made.status_code == 200, made.text
    client.drain()
    assert mine in home(client, bob) and mine in home(client, carol)
    assert counts(client, bob, bobs) == (1, 1, 1)
    assert client.get("/api/v1/polls/" + poll, user=bob).json()["votes_count"] == 1
    assert account(client, bob, bob)["followers_count"] == 1
    assert account(client, carol, carol)["following_count"] == 1
    assert client.get("/api/v1/accounts/verify_credentials", user=alice).status_code == 200

    # A wrong or missing password deletes nothing.
    refused = delete_own(client, alice, "not my password")
    assert refused.status_code == 403
    assert refused.json() == {"error": "The password is not correct"}
    assert delete_own(client, alice, "").status_code == 422
    assert client.get("/api/v1/accounts/verify_credentials", user=alice).status_code == 200

    deleted = delete_own(client, alice, PASSWORD)
    assert deleted.status_code == 200, deleted.text
    assert deleted.json() == {}

    # At once, before any job ran: the token is gone, and nothing of hers
    # shows anywhere.
    assert client.get("/api/v1/accounts/verify_credentials", user=alice).status_code == 401
    assert client.get("/api/v1/timelines/home", user=alice).status_code == 401
    assert password_login(client, register_app(client), "alice").status_code != 200
    for viewer in (bob, carol):
        shown = home(client, viewer)
        assert mine not in shown and reply not in shown and boosted not in shown
    for path in ("/api/v1/timelines/public", "/api/v1/timelines/tag/farewell"):
        assert mine not in timeline(client, path, bob)
    assert client.get(f"/api/v1/statuses/{mine}", user=bob).status_code == 404
    assert client.get(f"/api/v1/accounts/{alice.id}/statuses", user=bob).json() == []
    stub = account(client, bob, alice)
    assert stub["suspended"] is True and stub["username"] == "alice"
    looked_up = client.get("/api/v1/accounts/lookup", params={"acct": "alice"}, user=bob)
    assert looked_up.json()["suspended"] is True
    assert client.get("/api/v1/accounts/search", params={"q": "alice"}, user=bob).json() == []
    notes = client.get("/api/v1/notifications", user=bob).json()
    assert all(n["account"]["id"] != alice.sid for n in notes)
    # Nothing new links to it: no follow, no mention.
    assert client.post(f"/api/v1/accounts/{alice.id}/follow", user=dave).status_code == 404
    greeting = client.post("/api/v1/statuses", user=bob, data={"status": "hi @alice"}).json()
    assert greeting["mentions"] == []

    assert client.drain() > 0
    assert pending_jobs(client, PURGE_ACCOUNT) == []
    assert left_of(client, alice.id) == {}
    # Her statuses left the timelines themselves, not only the answers.
    for viewer in (bob, carol):
        kept = {str(i) for i in cached_home(client, viewer) or []}
        assert not kept & {mine, reply, boosted}
    # The other accounts' counters: the follows, favourite, reblog, reply
    # and vote she made are taken back; bob's reblog of her status went.
    assert counts(client, bob, bobs) == (0, 0, 0)
    assert client.get("/api/v1/polls/" + poll, user=bob).json()["votes_count"] == 0
    bob_now, carol_now = account(client, bob, bob), account(client, carol, carol)
    assert (bob_now["followers_count"], bob_now["following_count"]) == (0, 0)
    # His post, his poll and his greeting; the reblog of hers went.
    assert bob_now["statuses_count"] == 3
    assert carol_now["following_count"] == 0
    relation = client.get(
        "/api/v1/accounts/relationships",
        user=bob,
        params={"id[]": alice.sid, "with_suspended": "true"},
    ).json()
    assert relation[0]["following"] is False and relation[0]["followed_by"] is False
    assert client.get(f"/api/v1/lists/{bobs_list}/accounts", user=bob).json() == []
    assert client.get(f"/api/v1/statuses/{boosted}", user=bob).status_code == 404
    # The tombstone answers as a suspended account with nothing left.
    stub = account(client, bob, alice)
    assert stub["suspended"] is True
    assert (stub["followers_count"], stub["following_count"], stub["statuses_count"]) == (0, 0, 0)
    # Its name and address stay taken.
    taken = sign_up(client, register_app(client), "alice", email="new@example.com")
    assert taken.status_code == 422, taken.text
    assert "username" in taken.json()["details"]
    again = sign_up(client, register_app(client), "alice2", email="alice@example.com")
    assert again.status_code == 422, again.text
    # Running the job once more changes nothing.
    client.call(_enqueue_purge, client.services, alice.id)
    client.drain()
    assert counts(client, bob, bobs) == (0, 0, 0)
    assert account(client, bob, bob)["statuses_count"] == 3


async def _enqueue_purge(services: Services, account_id: int) -> None:
    from roost.jobs.queue import enqueue

    async with services.db.write() as conn:
        await enqueue(conn, services.ids, PURGE_ACCOUNT, {"account_id": account_id})


def test_the_admin_api_deletes_suspended_accounts_only(client: ApiClient) -> None:
    troll, alice = client.make_user("troll"), client.make_user("alice")
    admin = make_admin(client)
    post(client, troll, "spam")
    follow(client, alice, troll)
    client.drain()
    path = f"/api/v1/admin/accounts/{troll.id}"
    # Administrators only, with an admin:write token.
    assert client.delete(path, user=alice).status_code == 403
    reader = register_app(client, scopes="read admin:read", name="Reader")
    login = password_login(client, reader, "boss", scope="read admin:read")
    assert client.delete(path, headers=bearer(login.json()["access_token"])).status_code == 403
    assert client.delete("/api/v1/admin/accounts/12345", user=admin).status_code == 404
    # Not suspended: refused, nothing changes.
    assert client.delete(path, user=admin).status_code == 403
    assert client.get("/api/v1/accounts/verify_credentials", user=troll).status_code == 200
    suspended = client.post(f"{path}/action", user=admin, data={"type": "suspend"})
    assert suspended.status_code == 200
    assert client.get("/api/v1/accounts/verify_credentials", user=troll).status_code == 403

    deleted = client.delete(path, user=admin)
    assert deleted.status_code == 200, deleted.text
    body = deleted.json()
    assert body["id"] == troll.sid and body["username"] == "troll" and body["suspended"] is True
    # Revoked now, not only refused.
    assert client.get("/api/v1/accounts/verify_credentials", user=troll).status_code == 401
    # Once deleted: no second deletion, no unsuspension.
    assert client.delete(path, user=admin).status_code == 403
    assert client.post(f"{path}/unsuspend", user=admin).status_code == 403
    assert client.drain() > 0
    assert left_of(client, troll.id) == {}
    assert account(client, alice, alice)["following_count"] == 0
    shown = client.get(path, user=admin).json()
    assert shown["suspended"] is True and shown["account"]["statuses_count"] == 0


class _DiesOnCheckpoint(Job):
    """A job whose worker is killed right after its n-th checkpoint commits."""

    lives = 3

    async def checkpoint(self, **progress: object) -> None:
        await super().checkpoint(**progress)
        _DiesOnCheckpoint.lives -= 1
        if _DiesOnCheckpoint.lives == 0:
            task = asyncio.current_task()
            assert task is not None
            task.cancel()
            await asyncio.sleep(0)  # the cancellation lands here


async def _expire_leases(services: Services) -> None:
    """What the passing of the lease does to the job of a dead worker."""
    async with services.db.write() as conn:
        await conn.execute(schema.jobs.update().values(locked_until=None))


def test_a_purge_killed_mid_way_resumes_and_finishes(
    client: ApiClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(purge, "CHUNK", 2)
    alice = client.make_user("alice")
    fans = [client.make_user(f"fan{i}") for i in range(3)]
    for fan in fans:
        follow(client, fan, alice)
        post(client, fan, f"{fan.username} was here")
    written = [post(client, alice, f"post {i}") for i in range(7)]
    client.drain()
    for fan in fans:
        assert set(written) <= set(home(client, fan))
    assert delete_own(client, alice, PASSWORD).status_code == 200
    services = client.services

    async def run_until_killed() -> dict[str, object]:
        (claimed,) = await services.jobs.claim()
        assert claimed.kind == PURGE_ACCOUNT
        job = _DiesOnCheckpoint(
            claimed.id, claimed.kind, claimed.payload, claimed.attempts, services, claimed.lease
        )
        # Checkpoints: entering "forget", entering "statuses", after its
        # first chunk: killed there.
        _DiesOnCheckpoint.lives = 3
        with pytest.raises(asyncio.CancelledError):
            await purge.purge_account(job)
        return dict(job.payload)

    payload = client.call(run_until_killed)
    assert payload["phase"] == "statuses"
    left = left_of(client, alice.id)
    assert left["statuses.account_id"] == 5  # one chunk of two went
    assert left["follows.target_account_id"] == 3

    # The restarted worker takes the job over once the lease is out.
    client.call(_expire_leases, services)
    assert client.drain() > 0
    assert pending_jobs(client, PURGE_ACCOUNT) == []
    assert left_of(client, alice.id) == {}
    for fan in fans:
        assert account(client, fan, fan)["following_count"] == 0
        kept = {str(i) for i in cached_home(client, fan) or []}
        assert kept and not set(written) & kept


async def _listening(services: Services) -> None:
    """Until the process's token watcher listens on the bus (Redis: subscribed)."""
    from roost.infra.redis_events import RedisEventBus

    bus = services.events
    assert isinstance(bus, RedisEventBus)
    for _ in range(3000):  # a guard against hanging, not a measure
        if TOKENS_CHANNEL in bus.hub.by_channel:
            break
        await asyncio.sleep(0.01)
    await bus.ready()


@pytest.mark.parametrize("backend", ["postgresql+redis"])
def test_a_deleted_accounts_token_stops_working_on_every_process(settings: Settings) -> None:
    # A memo that would keep the token for an hour: only the bus can end it.
    settings = settings.replace(token_memo_seconds=3600.0)
    with ApiClient.start(settings) as first, ApiClient.start(settings) as second:
        alice = first.make_user("alice")
        second.call(_listening, second.services)
        assert second.get("/api/v1/timelines/home", user=alice).status_code == 200
        memo = second.services.tokens.memo
        assert memo.get(alice.token) is not None
        assert delete_own(first, alice, PASSWORD).status_code == 200
        deadline = time.monotonic() + 30  # a guard against hanging, not a measure
        while memo.get(alice.token) is not None and time.monotonic() < deadline:
            time.sleep(0.01)
        assert second.get("/api/v1/timelines/home", user=alice).status_code == 401


def test_the_purge_takes_media_push_requests_and_the_small_things(client: ApiClient) -> None:
    from tests.media.support import jpeg_bytes, media_files, ready_media
    from tests.push.pushservice import SubscriberKeys

    alice, bob = client.make_user("alice"), client.make_user("bob")
    erin, fred = client.make_user("erin"), client.make_user("fred")
    locked = client.patch("/api/v1/accounts/update_credentials", user=erin, data={"locked": "1"})
    assert locked.status_code == 200, locked.text
    follow(client, alice, bob)
    follow(client, bob, alice)
    # Pictures: an avatar, a photo in a status, an upload never attached.
    profile = client.patch(
        "/api/v1/accounts/update_credentials",
        user=alice,
        data={"locked": "true"},
        files={"avatar": ("me.jpg", jpeg_bytes(300, 300), "image/jpeg")},
    )
    assert profile.status_code == 200, profile.text
    photo = ready_media(client, alice)
    ready_media(client, alice)
    pinned = post(client, alice, "with a photo", **{"media_ids[]": [photo]})
    assert media_files(client)
    # Follow requests both ways: to locked erin, and from fred to her.
    follow(client, alice, erin)
    follow(client, fred, alice)
    # The small things: a pin, a featured and a followed hashtag, an
    # endorsement both ways, a marker, a domain block, conversations.
    for path, data in (
        (f"/api/v1/statuses/{pinned}/pin", {}),
        ("/api/v1/featured_tags", {"name": "garden"}),
        ("/api/v1/tags/garden/follow", {}),
        (f"/api/v1/accounts/{bob.id}/pin", {}),
        ("/api/v1/markers", {"home[last_read_id]": pinned}),
        ("/api/v1/domain_blocks", {"domain": "spam.example"}),
    ):
        done = client.post(path, user=alice, data=data)
        assert done.status_code == 200, (path, done.text)
    assert client.post(f"/api/v1/accounts/{alice.id}/pin", user=bob).status_code == 200
    post(client, alice, "@bob psst", visibility="direct")
    post(client, bob, "@alice hush", visibility="direct")
    keys = SubscriberKeys.generate()
    subscribed = client.post(
        "/api/v1/push/subscription",
        user=alice,
        data={
            "subscription[endpoint]": "https://push.example.net/send/abc",
            "subscription[keys][p256dh]": keys.p256dh,
            "subscription[keys][auth]": keys.auth_b64,
        },
    )
    assert subscribed.status_code == 200, subscribed.text
    client.drain()
    assert {"push_subscriptions.account_id", "conversations.account_id"} <= set(
        left_of(client, alice.id)
    )
    assert client.get("/api/v1/follow_requests", user=erin).json()[0]["id"] == alice.sid

    assert delete_own(client, alice, PASSWORD).status_code == 200
    # At once: no Web Push subscription left, no token.
    left = left_of(client, alice.id)
    assert "push_subscriptions.account_id" not in left and "oauth_codes.account_id" not in left
    client.drain()
    assert left_of(client, alice.id) == {}
    assert media_files(client) == []
    assert client.get("/api/v1/follow_requests", user=erin).json() == []
    assert client.get("/api/v1/endorsements", user=bob).json() == []
    assert account(client, bob, bob)["followers_count"] == 0
    assert account(client, fred, fred)["following_count"] == 0
