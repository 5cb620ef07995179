"""End to end: `roost serve` as a real process (its in-process worker
delivers), Mastodon.py subscribing, the loopback push service receiving."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path

import httpx2 as httpx
import pytest
from mastodon import Mastodon, MastodonNotFoundError

from tests.e2e.clients import PASSWORD, SCOPES, eventually, sign_up_with_app
from tests.push.pushservice import PushService, Received, decrypt, verify_vapid
from tests.push.pushservice import SubscriberKeys as Keys
from tests.served import served_roost

pytestmark = pytest.mark.e2e

# Deliveries take a worker's turn and a push service's: more than a timeline.
WAIT = 10.0


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    env = {"ROOST_PUSH_ALLOW_LOOPBACK": "true"}
    with served_roost(tmp_path, env=env) as (port, _log):
        yield f"http://localhost:{port}"


def _one(push_service: PushService, name: str) -> Received:
    assert eventually(lambda: push_service.to(name), timeout=WAIT), f"no push reached {name}"
    [received] = push_service.to(name)
    return received


def test_mastodon_py_subscribes_and_gets_pushes(server: str, push_service: PushService) -> None:
    alice, client_id, client_secret = sign_up_with_app(server, "alice", app_name="roost-push-e2e")
    bob, _, _ = sign_up_with_app(server, "bob", app_name="roost-push-e2e")
    server_key = alice.instance_v2()["configuration"]["vapid"]["public_key"]

    # Mastodon.py's own keys and its default (pre-RFC) format.
    private, public = alice.push_subscription_generate_keys()
    subscription = alice.push_subscription_set(
        push_service.endpoint("mpy-legacy"), public, mention_events=True, favourite_events=False
    )
    assert subscription["server_key"] == server_key
    assert subscription["alerts"]["mention"] is True
    assert alice.push_subscription()["id"] == subscription["id"]

    mention = bob.status_post("hello @alice, are you there?")
    received = _one(push_service, "mpy-legacy")
    verify_vapid(received, server_key)
    push = alice.push_subscription_decrypt_push(
        received.body, private, received.headers["encryption"], received.headers["crypto-key"]
    )
    assert push["notification_type"] == "mention"
    assert push["body"] == "hello @alice, are you there?"
    assert push["access_token"] == alice.access_token
    # The notification the push names is the mention of that status.
    named = alice.notifications(id=push["notification_id"])
    assert named["type"] == "mention" and named["status"]["id"] == mention["id"]

    # A second session of alice's subscribes as a browser does, in the
    # standard (RFC 8291/8292) format. (Mastodon.py 2.3.3 takes a
    # ``standard`` argument but does not send it.)
    other = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=server)
    other.log_in("alice@example.com", PASSWORD, scopes=SCOPES, allow_http=True)
    keys = Keys.generate()
    browser = {
        "subscription": {
            "endpoint": push_service.endpoint("mpy-standard"),
            "keys": {
                "p256dh": base64.urlsafe_b64encode(keys.public_bytes).decode().rstrip("="),
                "auth": base64.urlsafe_b64encode(keys.auth).decode().rstrip("="),
            },
            "standard": True,
        },
        "data": {"alerts": {"favourite": True}, "policy": "all"},
    }
    answer = httpx.post(
        f"{server}/api/v1/push/subscription",
        json=browser,
        headers={"Authorization": f"Bearer {other.access_token}"},
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["standard"] is True
    own = alice.status_post("like this one")
    bob.status_favourite(own["id"])
    received = _one(push_service, "mpy-standard")
    assert received.headers["content-encoding"] == "aes128gcm"
    claims = verify_vapid(received, server_key)
    assert claims["aud"] == push_service.origin
    push = decrypt(received, keys)
    assert push["notification_type"] == "favourite"
    assert push["body"] == "like this one"
    assert push["access_token"] == other.access_token
    named = other.notifications(id=push["notification_id"])
    assert named["type"] == "favourite" and named["status"]["id"] == own["id"]
    # The mention went to the first subscription only, the like (not among
    # its alerts) did not.
    assert len(push_service.to("mpy-legacy")) == 1

    alice.push_subscription_delete()
    with pytest.raises(MastodonNotFoundError):
        alice.push_subscription()
    assert base64.urlsafe_b64decode(server_key)[0] == 4
