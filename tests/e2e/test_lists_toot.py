"""End to end: `toot lists` against `roost serve`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.clients import sign_up, toot, toot_login

pytestmark = pytest.mark.e2e


def test_toot_manages_lists(server: str, tmp_path: Path) -> None:
    alice = sign_up(server, "alice")
    bob = sign_up(server, "bob")
    alice.account_follow(bob.account_verify_credentials()["id"])
    toot_login(tmp_path, server, "alice")
    toot(tmp_path, "lists", "create", "friends")
    listed = toot(tmp_path, "lists", "list", "--json")
    (entry,) = json.loads(listed)
    assert entry["title"] == "friends"
    # toot finds the account to add through /api/v2/search.
    toot(tmp_path, "lists", "add", "friends", "bob")
    members = json.loads(toot(tmp_path, "lists", "accounts", "friends", "--json"))
    assert [m["username"] for m in members] == ["bob"]
    toot(tmp_path, "lists", "remove", "friends", "bob")
    assert json.loads(toot(tmp_path, "lists", "accounts", "friends", "--json")) == []
    toot(tmp_path, "lists", "delete", "friends")
    assert json.loads(toot(tmp_path, "lists", "list", "--json")) == []
