"""Notifications pushed to the test push service: encrypted for the
subscriber, signed with the instance's VAPID key, filtered by alerts and
policy; the push service's answers (gone, failing) handled."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from roost.db import schema
from roost.push.delivery import retry_after
from tests.helpers import ApiClient, User
from tests.push.pushservice import PushService, SubscriberKeys, decrypt, verify_vapid

PATH = "/api/v1/push/subscription"


def subscribe(
    client: ApiClient,
    user: User,
    push_service: PushService,
    name: str,
    *,
    alerts: tuple[str, ...] = ("mention", "favourite", "follow", "reblog", "status"),
    policy: str = "all",
    standard: bool = True,
) -> SubscriberKeys:
    keys = SubscriberKeys.generate()
    form = {
        "subscription[endpoint]": push_service.endpoint(name),
        "subscription[keys][p256dh]": keys.p256dh,
        "subscription[keys][auth]": keys.auth_b64,
        "subscription[standard]": "true" if standard else "false",
        "data[policy]": policy,
        **{f"data[alerts][{a}]": "true" for a in alerts},
    }
    response = client.post(PATH, user=user, data=form)
    assert response.status_code == 200, response.text
    return keys


def server_key(client: ApiClient) -> str:
    return str(client.get("/api/v2/instance").json()["configuration"]["vapid"]["public_key"])


def post(client: ApiClient, user: User, text: str) -> str:
    response = client.post("/api/v1/statuses", user=user, data={"status": text})
    assert response.status_code == 200, response.text
    return str(response.json()["id"])


def notification(client: ApiClient, notification_id: str) -> Any:
    async def read() -> Any:
        n = schema.notifications
        async with client.services.db.read(primary=True) as conn:
            return (await conn.execute(sa.select(n).where(n.c.id == int(notification_id)))).first()

    return client.call(read)


def subscription_row(client: ApiClient, user: User) -> Any:
    async def read() -> Any:
        s = schema.push_subscriptions
        async with client.services.db.read(primary=True) as conn:
            return (await conn.execute(sa.select(s).where(s.c.account_id == user.id))).first()

    return client.call(read)


def push_jobs(client: ApiClient) -> list[Any]:
    async def read() -> list[Any]:
        j = schema.jobs
        async with client.services.db.read(primary=True) as conn:
            query = sa.select(j).where(j.c.kind == "push_delivery")
            return list((await conn.execute(query)).all())

    return client.call(read)


def backoff(client: ApiClient, user: User) -> timedelta:
    """How long after the subscription's last failure the push job is due
    (measured from the failure itself, whatever the load on the machine)."""
    [job] = push_jobs(client)
    failed_at = subscription_row(client, user).last_failure_at
    return job.run_after.replace(tzinfo=UTC) - failed_at.replace(tzinfo=UTC)  # type: ignore[no-any-return]


def make_due(client: ApiClient) -> None:
    """Move the backed-off push jobs to now (instead of waiting for them)."""

    async def move() -> None:
        j = schema.jobs
        async with client.services.db.write() as conn:
            await conn.execute(
                j.update().where(j.c.kind == "push_delivery").values(run_after=datetime.now(UTC))
            )

    client.call(move)


def test_a_like_is_pushed_encrypted_and_signed(
    client: ApiClient, push_service: PushService
) -> None:
    alice, bob = client.make_user("alice"), client.make_user("bob")
    name = f"like-{alice.id}"
    keys = subscribe(client, alice, push_service, name)
    status_id = post(client, alice, "a status worth liking")
    client.drain()
    assert client.post(f"/api/v1/statuses/{status_id}/favourite", user=bob).status_code == 200
    client.drain()
    [received] = push_service.to(name)
    assert received.headers["content-encoding"] == "aes128gcm"
    assert received.headers["ttl"] == "172800"
    assert received.headers["urgency"] == "normal"
    claims = verify_vapid(received, server_key(client))
    assert claims["aud"] == push_service.origin
    assert claims["sub"] == "mailto:notifications@testserver"
    push = decrypt(received, keys)
    assert push["notification_type"] == "favourite"
    assert push["title"] == "bob favourited your post"
    assert push["body"] == "a status worth liking"
    assert push["access_token"] == alice.token
    assert push["preferred_locale"] == "en"
    assert push["icon"].startswith("http://testserver/")
    row = notification(client, push["notification_id"])
    assert (row.type, row.status_id, row.account_id) == ("favourite", int(status_id), alice.id)
    counters = subscription_row(client, alice)
    assert (counters.deliveries_total, counters.failures) == (1, 0)
    # Unliking and liking again notifies once, so pushes once.
    client.post(f"/api/v1/statuses/{status_id}/unfavourite", user=bob)
    client.post(f"/api/v1/statuses/{status_id}/favourite", user=bob)
    client.drain()
    assert len(push_service.to(name)) == 1


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_a_mention_in_the_older_format(client: ApiClient, push_service: PushService) -> None:
    """Mastodon's pre-RFC format (``aesgcm``), which its clients ask for
    unless they say ``standard``: decrypted with Mastodon.py itself."""
    from mastodon import Mastodon

    alice, bob = client.make_user("alice"), client.make_user("bob")
    name = f"mention-{alice.id}"
    keys = subscribe(client, alice, push_service, name, standard=False)
    post(client, bob, "hello @alice, look")
    client.drain()
    [received] = push_service.to(name)
    assert received.headers["content-encoding"] == "aesgcm"
    assert received.headers["authorization"].startswith("WebPush ")
    verify_vapid(received, server_key(client))
    api = Mastodon(api_base_url="http://testserver", version_check_mode="none")
    push = api.push_subscription_decrypt_push(
        received.body,
        {"privkey": keys.private_key.private_numbers().private_value, "auth": keys.auth},
        received.headers["encryption"],
        received.headers["crypto-key"],
    )
    assert push["notification_type"] == "mention"
    assert push["body"] == "hello @alice, look"
    assert notification(client, push["notification_id"]).type == "mention"


def test_alerts_and_policy_decide(client: ApiClient, push_service: PushService) -> None:
    alice, bob, carol = (client.make_user(n) for n in ("alice", "bob", "carol"))
    name = f"policy-{alice.id}"
    keys = subscribe(client, alice, push_service, name, alerts=("favourite",), policy="followed")
    status_id = post(client, alice, "mine")
    client.drain()
    # A mention is not among the alerts; bob's like is from someone alice
    # does not follow: no push, not even a job.
    post(client, bob, "@alice hi")
    client.post(f"/api/v1/statuses/{status_id}/favourite", user=bob)
    client.drain()
    assert push_service.to(name) == [] and push_jobs(client) == []
    # Once alice follows carol, carol's like is pushed.
    client.post(f"/api/v1/accounts/{carol.sid}/follow", user=alice)
    client.post(f"/api/v1/statuses/{status_id}/favourite", user=carol)
    client.drain()
    assert len(push_service.to(name)) == 1
    # "none" stops everything; "follower" lets bob (who follows alice by
    # now) through, not dave. A fresh status: liking again notifies no more.
    client.put(PATH, user=alice, data={"data[policy]": "none"})
    client.post(f"/api/v1/accounts/{alice.sid}/follow", user=bob)
    second = post(client, alice, "another")
    client.post(f"/api/v1/statuses/{second}/favourite", user=carol)
    client.drain()
    assert len(push_service.to(name)) == 1
    client.put(PATH, user=alice, data={"data[policy]": "follower"})
    dave = client.make_user("dave")
    third = post(client, alice, "a third")
    client.post(f"/api/v1/statuses/{third}/favourite", user=dave)
    client.post(f"/api/v1/statuses/{third}/favourite", user=bob)
    client.drain()
    pushed = push_service.to(name)
    assert len(pushed) == 2  # carol's, then bob's; dave follows nobody
    assert decrypt(pushed[0], keys)["title"] == "carol favourited your post"
    assert decrypt(pushed[1], keys)["title"] == "bob favourited your post"


def test_gone_subscriptions_are_deleted(client: ApiClient, push_service: PushService) -> None:
    alice, bob = client.make_user("alice"), client.make_user("bob")
    name = f"gone-{alice.id}"
    subscribe(client, alice, push_service, name)
    push_service.answer(name, 410)
    client.post(f"/api/v1/accounts/{alice.sid}/follow", user=bob)
    client.drain()
    assert [r.status for r in push_service.to(name)] == [410]
    assert subscription_row(client, alice) is None
    assert client.get(PATH, user=alice).status_code == 404
    assert push_jobs(client) == []


def test_failures_are_retried_with_backoff_and_counted(
    client: ApiClient, push_service: PushService
) -> None:
    alice, bob = client.make_user("alice"), client.make_user("bob")
    name = f"flaky-{alice.id}"
    keys = subscribe(client, alice, push_service, name)
    push_service.answer(name, 500, 429)
    client.post(f"/api/v1/accounts/{alice.sid}/follow", user=bob)
    client.drain()
    [job] = push_jobs(client)
    assert job.attempts == 1 and job.state == "pending"
    # The runner's backoff: 2 s after the first failure.
    assert timedelta(seconds=2) <= backoff(client, alice) < timedelta(seconds=3)
    row = subscription_row(client, alice)
    assert (row.failures, row.failures_total, row.last_error) == (1, 1, "HTTP 500")
    make_due(client)
    client.drain()
    [job] = push_jobs(client)
    assert job.attempts == 2
    assert timedelta(seconds=4) <= backoff(client, alice) < timedelta(seconds=5)  # doubled
    make_due(client)
    client.drain()
    assert [r.status for r in push_service.to(name)] == [500, 429, 201]
    assert push_jobs(client) == []
    # The same message each time, and it decrypts.
    assert decrypt(push_service.to(name)[-1], keys)["notification_type"] == "follow"
    row = subscription_row(client, alice)
    assert (row.failures, row.failures_total, row.deliveries_total) == (0, 2, 1)


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_a_push_that_keeps_failing_is_dropped(client: ApiClient, push_service: PushService) -> None:
    alice, bob = client.make_user("alice"), client.make_user("bob")
    # An endpoint where nothing listens: connection refused.
    keys = SubscriberKeys.generate()
    from tests.served import free_port

    dead = f"http://127.0.0.1:{free_port()}/push/nobody"
    form = {
        "subscription[endpoint]": dead,
        "subscription[keys][p256dh]": keys.p256dh,
        "subscription[keys][auth]": keys.auth_b64,
        "data[alerts][follow]": "true",
    }
    assert client.post(PATH, user=alice, data=form).status_code == 200
    client.post(f"/api/v1/accounts/{alice.sid}/follow", user=bob)
    attempts = client.services.settings.push_max_attempts
    for _ in range(attempts):
        client.drain()
        make_due(client)
    assert push_jobs(client) == []  # dropped, not parked
    row = subscription_row(client, alice)
    assert row.failures == attempts
    assert row.last_error.startswith("unreachable: ConnectError")


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_no_push_for_a_revoked_token_or_a_deleted_status(
    client: ApiClient, push_service: PushService
) -> None:
    alice, bob = client.make_user("alice"), client.make_user("bob")
    name = f"revoked-{alice.id}"
    subscribe(client, alice, push_service, name)
    status_id = post(client, alice, "soon gone")
    client.drain()
    client.post(f"/api/v1/statuses/{status_id}/favourite", user=bob)
    client.delete(f"/api/v1/statuses/{status_id}", user=alice)
    client.drain()
    assert push_service.to(name) == []

    async def revoke() -> None:
        t = schema.oauth_tokens
        async with client.services.db.write() as conn:
            await conn.execute(
                t.update().where(t.c.account_id == alice.id).values(revoked_at=datetime.now(UTC))
            )

    client.call(revoke)
    client.post(f"/api/v1/accounts/{alice.sid}/follow", user=bob)
    client.drain()
    assert push_service.to(name) == []


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"], indirect=True)
def test_a_post_pushes_to_every_notify_subscriber(
    client: ApiClient, push_service: PushService
) -> None:
    author = client.make_user("author")
    readers = [client.make_user(f"reader{i}") for i in range(3)]
    keys = {}
    for reader in readers:
        follow = client.post(
            f"/api/v1/accounts/{author.sid}/follow", user=reader, data={"notify": "true"}
        )
        assert follow.status_code == 200, follow.text
        keys[reader.id] = subscribe(client, reader, push_service, f"notify-{reader.id}")
    client.drain()
    post(client, author, "news for everyone")
    client.drain()
    for reader in readers:
        [received] = push_service.to(f"notify-{reader.id}")
        push = decrypt(received, keys[reader.id])
        assert (push["notification_type"], push["body"]) == ("status", "news for everyone")
        assert push["title"] == "author posted"


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_retry_after_is_honoured(client: ApiClient, push_service: PushService) -> None:
    alice, bob = client.make_user("alice"), client.make_user("bob")
    name = f"busy-{alice.id}"
    subscribe(client, alice, push_service, name)
    push_service.answer(name, 429, headers={"Retry-After": "120"})
    client.post(f"/api/v1/accounts/{alice.sid}/follow", user=bob)
    client.drain()
    assert timedelta(seconds=120) <= backoff(client, alice) < timedelta(seconds=121)
    make_due(client)
    client.drain()
    assert [r.status for r in push_service.to(name)] == [429, 201]


def test_retry_after_values() -> None:
    now = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    assert retry_after("30", now) == timedelta(seconds=30)
    assert retry_after(" 7 ", now) == timedelta(seconds=7)
    assert retry_after("Thu, 01 Jan 2026 12:01:00 GMT", now) == timedelta(minutes=1)
    assert retry_after("Thu, 01 Jan 2026 11:00:00 GMT", now) == timedelta(0)
    assert retry_after("soon", now) == timedelta(0)
    assert retry_after(None, now) == timedelta(0)
    assert retry_after("99999999", now) == timedelta(days=1)
