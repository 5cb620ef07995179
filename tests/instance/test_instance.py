from __future__ import annotations

import base64
from pathlib import Path

import pytest
from mastodon.versions import parse_version_string

from roost.config import Settings
from roost.db import schema
from tests.helpers import ApiClient


@pytest.mark.parametrize("path", ["/api/v1/instance", "/api/v1/instance/"])
def test_instance_v1(client: ApiClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    body = response.json()
    assert body["version"] == "4.3.0 (compatible; Roost 0.1.0)"
    # Clients drop everything after the first space and parse the rest.
    assert parse_version_string(body["version"].split(" ")[0]) == (4, 3, 0)
    assert body["uri"] == "testserver"
    assert body["title"] == "Roost"
    assert body["urls"] == {"streaming_api": "ws://testserver"}
    assert body["stats"] == {"user_count": 0, "status_count": 0, "domain_count": 0}
    assert body["registrations"] is True
    config = body["configuration"]
    assert config["statuses"]["max_characters"] == 500
    assert config["statuses"]["max_media_attachments"] == 4
    assert "image/jpeg" in config["media_attachments"]["supported_mime_types"]
    assert config["polls"]["max_options"] >= 2
    assert body["contact_account"] is None
    assert body["rules"] == []


def test_instance_v2(client: ApiClient) -> None:
    response = client.get("/api/v2/instance")
    assert response.status_code == 200
    body = response.json()
    assert body["domain"] == "testserver"
    assert body["version"] == "4.3.0 (compatible; Roost 0.1.0)"
    assert body["api_versions"] == {"mastodon": 2}
    config = body["configuration"]
    assert config["urls"]["streaming"] == "ws://testserver"
    # The VAPID key made on the first start: an uncompressed P-256 point.
    public_key = config["vapid"]["public_key"]
    assert public_key == client.services.vapid.server_key  # type: ignore[union-attr]
    assert len(base64.urlsafe_b64decode(public_key)) == 65
    assert config["statuses"]["max_characters"] == 500
    assert config["accounts"]["max_profile_fields"] == 4
    assert body["registrations"]["enabled"] is True
    assert body["usage"]["users"]["active_month"] == 0
    assert body["contact"]["account"] is None


def test_settings_reach_the_instance(settings: Settings) -> None:
    custom = settings.replace(
        max_status_chars=1000,
        registrations_open=False,
        public_url="https://roost.example",
        instance_title="Nest",
    )
    with ApiClient.start(custom) as client:
        v1 = client.get("/api/v1/instance").json()
        v2 = client.get("/api/v2/instance").json()
    assert v1["configuration"]["statuses"]["max_characters"] == 1000
    assert v2["configuration"]["statuses"]["max_characters"] == 1000
    assert v1["urls"]["streaming_api"] == "wss://roost.example"
    assert v2["configuration"]["urls"]["streaming"] == "wss://roost.example"
    assert v1["registrations"] is False and v2["registrations"]["enabled"] is False
    assert v1["title"] == v2["title"] == "Nest"


def test_stats_and_contact_are_cached_for_a_minute(client: ApiClient) -> None:
    boss = client.make_user("boss", is_admin=True)
    client.make_user("alice")
    first = client.get("/api/v1/instance").json()
    assert first["stats"]["user_count"] == 2
    assert first["contact_account"]["id"] == boss.sid
    assert client.get("/api/v2/instance").json()["contact"]["account"]["username"] == "boss"

    client.make_user("bob")
    with client.count_queries() as statements:
        again = client.get("/api/v1/instance").json()
    assert again["stats"]["user_count"] == 2  # still the cached figure
    assert statements == []

    async def expire() -> None:
        await client.services.cache.delete("instance:facts")

    client.call(expire)
    assert client.get("/api/v1/instance").json()["stats"]["user_count"] == 3


def test_status_count_sums_account_counters(client: ApiClient) -> None:
    alice = client.make_user("alice")

    async def bump() -> None:
        a = schema.accounts
        async with client.services.db.write() as conn:
            await conn.execute(a.update().where(a.c.id == alice.id).values(statuses_count=7))

    client.call(bump)
    assert client.get("/api/v1/instance").json()["stats"]["status_count"] == 7


def test_streaming_health(client: ApiClient) -> None:
    response = client.get("/api/v1/streaming/health")
    assert response.status_code == 200
    assert response.text == "OK"
    assert response.headers["content-type"].startswith("text/plain")


def test_rules_and_custom_emojis_are_empty_lists(client: ApiClient) -> None:
    assert client.get("/api/v1/instance/rules").json() == []
    assert client.get("/api/v1/custom_emojis").json() == []


@pytest.mark.parametrize(
    ("changes", "enabled", "approval"),
    [
        ({}, True, False),
        ({"registrations_mode": "open"}, True, False),
        ({"registrations_mode": "approved"}, True, True),
        ({"registrations_mode": "none"}, False, False),
        # The older switch still closes sign-ups when no mode is set.
        ({"registrations_open": False}, False, False),
        ({"registrations_open": False, "registrations_mode": "approved"}, True, True),
    ],
)
def test_registrations_mode_reaches_the_instance(
    tmp_path: Path, changes: dict[str, object], enabled: bool, approval: bool
) -> None:
    # Settings only: the embedded database is enough.
    custom = Settings(
        data_dir=tmp_path, run_workers=False, registrations_message="Ask the admin for an invite"
    ).replace(**changes)
    with ApiClient.start(custom) as client:
        v1 = client.get("/api/v1/instance").json()
        v2 = client.get("/api/v2/instance").json()
    assert v1["registrations"] is enabled
    assert v1["approval_required"] is approval
    registrations = v2["registrations"]
    assert registrations["enabled"] is enabled
    assert registrations["approval_required"] is approval
    assert registrations["reason_required"] is approval
    assert registrations["message"] == "<p>Ask the admin for an invite</p>"


def test_an_unknown_registrations_mode_is_refused() -> None:
    with pytest.raises(ValueError, match="ROOST_REGISTRATIONS_MODE"):
        Settings.from_env({"ROOST_REGISTRATIONS_MODE": "sometimes"})
    with pytest.raises(ValueError, match="ROOST_SMTP_TLS"):
        Settings.from_env({"ROOST_SMTP_TLS": "maybe"})
    assert Settings.from_env({"ROOST_REGISTRATIONS_MODE": "approved"}).registrations_mode == (
        "approved"
    )
