"""End to end: `toot lists` against `roost serve`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.test_mastodon_py import _sign_up, server  # noqa: F401
from tests.e2e.test_media_toot import PASSWORD, _toot

pytestmark = pytest.mark.e2e


def test_toot_manages_lists(server: str, tmp_path: Path) -> None:  # noqa: F811
    alice = _sign_up(server, "alice")
    bob = _sign_up(server, "bob")
    alice.account_follow(bob.account_verify_credentials()["id"])
    _toot(tmp_path, "login_cli", "-i", server, "-e", "alice@example.com", stdin=PASSWORD + "\n")
    _toot(tmp_path, "lists", "create", "friends")
    listed = _toot(tmp_path, "lists", "list", "--json")
    (entry,) = json.loads(listed)
    assert entry["title"] == "friends"
    # toot finds the account to add through /api/v2/search.
    _toot(tmp_path, "lists", "add", "friends", "bob")
    members = json.loads(_toot(tmp_path, "lists", "accounts", "friends", "--json"))
    assert [m["username"] for m in members] == ["bob"]
    _toot(tmp_path, "lists", "remove", "friends", "bob")
    assert json.loads(_toot(tmp_path, "lists", "accounts", "friends", "--json")) == []
    _toot(tmp_path, "lists", "delete", "friends")
    assert json.loads(_toot(tmp_path, "lists", "list", "--json")) == []
