"""End to end: toot's poll, vote, pin and scheduled posting commands
against `roost serve`."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.clients import sign_up, toot, toot_login

pytestmark = pytest.mark.e2e


def test_toot_polls_pins_and_scheduling(server: str, tmp_path: Path) -> None:
    alice = sign_up(server, "alice")
    alice_id = alice.account_verify_credentials()["id"]
    toot_login(tmp_path, server, "alice")
    toot(
        tmp_path,
        "post",
        "--poll-option",
        "red",
        "--poll-option",
        "blue",
        "--poll-expires-in",
        "1 hour",
        "which colour?",
    )
    asked = alice.account_statuses(alice_id)[0]
    assert [o["title"] for o in asked["poll"]["options"]] == ["red", "blue"]
    toot(tmp_path, "polls", "vote", asked["poll"]["id"], "1")
    shown = toot(tmp_path, "polls", "show", asked["poll"]["id"])
    assert "blue" in shown
    assert alice.poll(asked["poll"]["id"])["own_votes"] == [1]

    toot(tmp_path, "pin", asked["id"])
    assert [s["id"] for s in alice.account_statuses(alice_id, pinned=True)] == [asked["id"]]
    toot(tmp_path, "unpin", asked["id"])
    assert alice.account_statuses(alice_id, pinned=True) == []

    output = toot(tmp_path, "post", "--scheduled-in", "1 hour", "see you later")
    assert "scheduled" in output.lower()
    assert [s["params"]["text"] for s in alice.scheduled_statuses()] == ["see you later"]
