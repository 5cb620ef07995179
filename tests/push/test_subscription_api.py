"""POST/GET/PUT/DELETE /api/v1/push/subscription."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from roost.db import schema
from tests.helpers import ApiClient, User
from tests.push.pushservice import SubscriberKeys

PATH = "/api/v1/push/subscription"
ENDPOINT = "https://push.example.net/send/abc"


def _form(keys: SubscriberKeys, endpoint: str = ENDPOINT, **extra: Any) -> dict[str, Any]:
    return {
        "subscription[endpoint]": endpoint,
        "subscription[keys][p256dh]": keys.p256dh,
        "subscription[keys][auth]": keys.auth_b64,
        **extra,
    }


def _rows(client: ApiClient) -> list[Any]:
    async def read() -> list[Any]:
        async with client.services.db.read(primary=True) as conn:
            return list((await conn.execute(sa.select(schema.push_subscriptions))).all())

    return client.call(read)


def test_subscribe_show_change_and_drop(client: ApiClient) -> None:
    alice = client.make_user("alice")
    keys = SubscriberKeys.generate()
    form = _form(
        keys,
        **{
            "data[alerts][mention]": "true",
            "data[alerts][favourite]": "1",
            "data[alerts][follow]": "false",
            "data[alerts][admin.sign_up]": "true",  # not an admin: stays off
            "data[policy]": "followed",
        },
    )
    created = client.post(PATH, user=alice, data=form)
    assert created.status_code == 200, created.text
    body = created.json()
    assert body["endpoint"] == ENDPOINT
    assert body["standard"] is False
    assert body["policy"] == "followed"
    assert body["alerts"] == {
        "mention": True,
        "status": False,
        "reblog": False,
        "follow": False,
        "follow_request": False,
        "favourite": True,
        "poll": False,
        "update": False,
        "admin.sign_up": False,
        "admin.report": False,
    }
    instance = client.get("/api/v2/instance").json()
    assert body["server_key"] == instance["configuration"]["vapid"]["public_key"]
    assert client.get(PATH, user=alice).json() == body

    # PUT changes what it names and keeps the rest; a bare policy (as
    # Mastodon.py sends it) counts too.
    changed = client.put(
        PATH, user=alice, data={"data[alerts][reblog]": "True", "policy": "follower"}
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["alerts"]["reblog"] is True
    assert changed.json()["alerts"]["mention"] is True
    assert changed.json()["policy"] == "follower"
    assert changed.json()["id"] == body["id"]

    assert client.delete(PATH, user=alice).json() == {}
    assert client.get(PATH, user=alice).status_code == 404
    assert client.put(PATH, user=alice, data={"policy": "all"}).status_code == 404
    assert client.delete(PATH, user=alice).status_code == 200  # none: fine
    assert _rows(client) == []


def test_json_body_and_one_subscription_per_token(client: ApiClient) -> None:
    alice = client.make_user("alice")
    keys = SubscriberKeys.generate()
    payload = {
        "subscription": {
            "endpoint": ENDPOINT,
            # Browsers send URL-safe base64 without padding.
            "keys": {
                "p256dh": keys.p256dh.replace("+", "-").replace("/", "_").rstrip("="),
                "auth": keys.auth_b64,
            },
            "standard": True,
        },
        "data": {"alerts": {"status": True}, "policy": "all"},
    }
    first = client.post(PATH, user=alice, json=payload)
    assert first.status_code == 200, first.text
    assert first.json()["standard"] is True
    assert first.json()["alerts"]["status"] is True
    second = client.post(PATH, user=alice, json={**payload, "data": {"alerts": {"mention": True}}})
    assert second.status_code == 200
    assert second.json()["id"] != first.json()["id"]
    assert second.json()["alerts"]["status"] is False
    rows = _rows(client)
    assert [r.id for r in rows] == [int(second.json()["id"])]

    # Another token of the same account has its own.
    other = client.make_user("alice2")
    assert client.get(PATH, user=other).status_code == 404


def _bad(keys: SubscriberKeys) -> list[tuple[dict[str, str], str]]:
    return [
        (
            {"subscription[keys][p256dh]": keys.p256dh, "subscription[keys][auth]": keys.auth_b64},
            "endpoint",
        ),
        (_form(keys, endpoint="http://push.example.net/x"), "endpoint"),
        (_form(keys, endpoint="ftp://push.example.net/x"), "endpoint"),
        (_form(keys, endpoint="https://10.1.2.3/x"), "endpoint"),
        (_form(keys, endpoint="https://169.254.169.254/x"), "endpoint"),
        (_form(keys, endpoint="https://[fd00::1]:8443/x"), "endpoint"),
        (_form(keys, endpoint="https://user:pw@push.example.net/x"), "endpoint"),
        (_form(keys, endpoint="https:///nohost"), "endpoint"),
        (_form(keys, endpoint="https://push.example.net/" + "a" * 2100), "endpoint"),
        ({**_form(keys), "subscription[keys][p256dh]": "not base64!"}, "keys.p256dh"),
        ({**_form(keys), "subscription[keys][p256dh]": keys.auth_b64}, "keys.p256dh"),
        ({**_form(keys), "subscription[keys][p256dh]": "BA" + "A" * 85}, "keys.p256dh"),
        ({**_form(keys), "subscription[keys][auth]": keys.p256dh}, "keys.auth"),
        ({**_form(keys), "subscription[keys][auth]": ""}, "keys.auth"),
        ({**_form(keys), "data[policy]": "everyone"}, "policy"),
    ]


def test_bad_input_is_refused_and_nothing_is_stored(client: ApiClient) -> None:
    alice = client.make_user("alice")
    keys = SubscriberKeys.generate()
    for form, field in _bad(keys):
        response = client.post(PATH, user=alice, data=form)
        assert response.status_code == 422, (form, response.text)
        assert field in response.json()["details"], (form, response.json())
    response = client.post(PATH, user=alice, data={**_form(keys), "data[alerts][mention]": "maybe"})
    assert response.status_code == 422
    assert _rows(client) == []
    created = client.post(PATH, user=alice, data=_form(keys))
    assert created.status_code == 200
    refused = client.put(PATH, user=alice, data={"data[policy]": "nobody"})
    assert refused.status_code == 422
    assert client.get(PATH, user=alice).json()["policy"] == "all"


def test_needs_a_user_token_with_the_push_scope(client: ApiClient) -> None:
    keys = SubscriberKeys.generate()
    assert client.post(PATH, data=_form(keys)).status_code == 401
    alice = client.make_user("alice")

    async def token_without_push() -> str:
        async with client.services.db.write() as conn:
            app_id = await client._test_app()
            issued = await client.services.tokens.issue(
                conn, app_id=app_id, account_id=alice.id, scopes="read write"
            )
        return issued.access_token

    narrow = User(alice.id, alice.username, client.call(token_without_push))
    assert client.post(PATH, user=narrow, data=_form(keys)).status_code == 403
    assert client.get(PATH, user=narrow).status_code == 403


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_admins_may_have_admin_alerts(client: ApiClient) -> None:
    admin = client.make_user("boss", is_admin=True)
    keys = SubscriberKeys.generate()
    form = _form(keys, **{"data[alerts][admin.sign_up]": "true", "data[alerts][admin.report]": "1"})
    alerts = client.post(PATH, user=admin, data=form).json()["alerts"]
    assert alerts["admin.sign_up"] is True and alerts["admin.report"] is True


def test_a_refreshed_token_keeps_its_subscription(client: ApiClient) -> None:
    from tests.oauth.support import password_login, register_app, token_request

    client.make_user("alice")
    app = register_app(client)
    first = password_login(client, app, "alice").json()
    old = {"Authorization": f"Bearer {first['access_token']}"}
    keys = SubscriberKeys.generate()
    created = client.post(PATH, headers=old, data=_form(keys, **{"data[alerts][follow]": "1"}))
    assert created.status_code == 200, created.text
    refreshed = token_request(
        client, app, grant_type="refresh_token", refresh_token=first["refresh_token"]
    ).json()
    new = {"Authorization": f"Bearer {refreshed['access_token']}"}
    moved = client.get(PATH, headers=new)
    assert moved.status_code == 200
    assert moved.json() == created.json()
    [row] = _rows(client)
    from roost.push.sealing import unseal

    assert client.services.vapid is not None
    assert unseal(client.services.vapid, row.access_token_sealed) == refreshed["access_token"]


def test_revoking_the_token_ends_its_subscription(client: ApiClient) -> None:
    from tests.oauth.support import password_login, register_app

    client.make_user("alice")
    app = register_app(client)
    token = password_login(client, app, "alice").json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    keys = SubscriberKeys.generate()
    assert client.post(PATH, headers=headers, data=_form(keys)).status_code == 200
    assert len(_rows(client)) == 1
    form = {"client_id": app["client_id"], "client_secret": app["client_secret"], "token": token}
    assert client.post("/oauth/revoke", data=form).status_code == 200
    assert _rows(client) == []
