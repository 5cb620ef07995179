"""`roost admin`: the moderation commands act as the admin API does."""

from __future__ import annotations

from datetime import timedelta

import pytest
from click.testing import CliRunner

from roost.accounts import purge
from roost.cli import main
from roost.config import Settings
from tests.accounts.test_command import _env
from tests.helpers import ApiClient
from tests.timelines.support import post, timeline


def test_suspend_silence_and_reports_from_the_command_line(
    client: ApiClient, settings: Settings
) -> None:
    client.make_user("boss", is_admin=True)
    alice, troll = client.make_user("alice"), client.make_user("troll")
    status = post(client, troll, "spam")
    report = client.post("/api/v1/reports", user=alice, data={"account_id": troll.sid}).json()
    runner = CliRunner()
    env = _env(settings)

    listed = runner.invoke(main, ["admin", "reports"], env=env)
    assert listed.exit_code == 0, listed.output
    assert f"{report['id']} " in listed.output and "@alice reports @troll" in listed.output

    done = runner.invoke(main, ["admin", "suspend", "@troll", "--report", report["id"]], env=env)
    assert done.exit_code == 0, done.output
    assert "suspended @troll" in done.output
    # The server's own caches are dropped by its worker.
    client.drain()
    assert client.get("/api/v1/accounts/verify_credentials", user=troll).status_code == 403
    assert status not in timeline(client, "/api/v1/timelines/public")
    assert "no open reports" in runner.invoke(main, ["admin", "reports"], env=env).output

    assert runner.invoke(main, ["admin", "unsuspend", "troll"], env=env).exit_code == 0
    client.drain()
    assert client.get("/api/v1/accounts/verify_credentials", user=troll).status_code == 200

    unknown = runner.invoke(main, ["admin", "silence", "nobody"], env=env)
    assert unknown.exit_code == 1
    assert "Account not found" in unknown.output


def test_delete_a_suspended_account_from_the_command_line(
    client: ApiClient, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The purge looks again at once when it waits for its statuses' jobs.
    monkeypatch.setattr(purge, "WAIT", timedelta(0))
    client.make_user("boss", is_admin=True)
    alice, troll = client.make_user("alice"), client.make_user("troll")
    status = post(client, troll, "spam")
    client.drain()
    runner = CliRunner()
    env = _env(settings)

    refused = runner.invoke(main, ["admin", "delete", "troll"], env=env)
    assert refused.exit_code == 1 and "not allowed" in refused.output
    assert runner.invoke(main, ["admin", "suspend", "troll"], env=env).exit_code == 0
    done = runner.invoke(main, ["admin", "delete", "@troll"], env=env)
    assert done.exit_code == 0, done.output
    assert "deleted @troll" in done.output
    # The server's worker drops its own caches and purges the data.
    client.drain()
    assert client.get("/api/v1/accounts/verify_credentials", user=troll).status_code == 401
    assert client.get(f"/api/v1/statuses/{status}", user=alice).status_code == 404
    assert client.get(f"/api/v1/accounts/{troll.id}", user=alice).json()["statuses_count"] == 0
    again = runner.invoke(main, ["admin", "unsuspend", "troll"], env=env)
    assert again.exit_code == 1
