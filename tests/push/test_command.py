from __future__ import annotations

import pytest
from click.testing import CliRunner

from roost.cli import main
from roost.config import Settings
from roost.push.keys import configured_keys
from tests.helpers import ApiClient
from tests.push.pushservice import PushService
from tests.push.test_delivery import subscribe


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"], indirect=True)
def test_push_status_shows_failing_subscriptions(
    client: ApiClient, settings: Settings, push_service: PushService
) -> None:
    alice, bob = client.make_user("alice"), client.make_user("bob")
    name = f"status-{alice.id}"
    subscribe(client, alice, push_service, name)
    push_service.answer(name, 503)
    client.post(f"/api/v1/accounts/{alice.sid}/follow", user=bob)
    client.drain()
    env = {
        "ROOST_DATA_DIR": str(settings.data_dir),
        "ROOST_DATABASE_URL": settings.database_url,
        "ROOST_WORKER_ID": "7",
    }
    result = CliRunner().invoke(main, ["push", "status"], env=env)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == (
        "1 subscriptions, 1 failing now; 0 pushes delivered, 1 failed attempts "
        "(100.0% of attempts failed)"
    )
    assert f"account {alice.id} {push_service.origin}: 1 in a row" in lines[1]
    assert lines[1].endswith("HTTP 503")


def test_push_keys_prints_a_usable_pair() -> None:
    result = CliRunner().invoke(main, ["push", "keys"])
    assert result.exit_code == 0, result.output
    values = dict(line.split("=", 1) for line in result.output.splitlines())
    settings = Settings(
        vapid_public_key=values["ROOST_VAPID_PUBLIC_KEY"],
        vapid_private_key=values["ROOST_VAPID_PRIVATE_KEY"],
    )
    pair = configured_keys(settings)
    assert pair is not None and pair.public_key == values["ROOST_VAPID_PUBLIC_KEY"]
