"""`roost seed` on the command line (embedded SQLite)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from roost.cli import main
from roost.seed.command import parse_range
from tests.helpers import CHEAP_PASSWORD_HASHING_ENV


def test_parse_range() -> None:
    assert parse_range("0..20") == (0, 20)
    assert parse_range("3-5") == (3, 5)
    assert parse_range(" 7 ") == (7, 7)
    for bad in ("5..2", "a..b", "-1..3", ""):
        with pytest.raises(ValueError):
            parse_range(bad)


def test_seed_command_loads_once_and_refuses_twice(tmp_path: Path) -> None:
    env = {
        "ROOST_DATA_DIR": str(tmp_path / "data"),
        "ROOST_DATABASE_URL": "",
        "ROOST_REDIS_URL": "",
        **CHEAP_PASSWORD_HASHING_ENV,
    }
    runner = CliRunner()
    args = ["seed", "--posts-per-user", "0..1", "--seed", "3"]
    first = runner.invoke(main, args, env=env)
    assert first.exit_code == 0, first.output
    said = " ".join(first.output.split())  # rich wraps lines at the terminal width
    assert "962 accounts, 37,624 follows" in said
    assert "rebuilt from the database on first read" in said
    assert "with the password roost-demo-password" in said
    assert (tmp_path / "data" / "roost.db").is_file()

    again = runner.invoke(main, args, env=env)
    assert again.exit_code == 1
    assert "--reset" in " ".join(again.output.split())

    generated = ["seed", "--reset", "--graph", "generated", "--users", "500"]
    generated += ["--follows-per-user", "4", "--celebrity-followers", "499", "--text", "bench"]
    replaced = runner.invoke(main, generated, env=env)
    assert replaced.exit_code == 0, replaced.output
    assert "500 accounts" in " ".join(replaced.output.split())


def test_seed_command_rejects_bad_options(tmp_path: Path) -> None:
    env = {"ROOST_DATA_DIR": str(tmp_path / "data"), "ROOST_DATABASE_URL": ""}
    runner = CliRunner()
    bad_range = runner.invoke(main, ["seed", "--posts-per-user", "9..1"], env=env)
    assert bad_range.exit_code == 2 and "MIN" in bad_range.output
    bad_celebrity = runner.invoke(
        main,
        ["seed", "--graph", "generated", "--users", "10", "--celebrity-followers", "10"],
        env=env,
    )
    assert bad_celebrity.exit_code == 1 and "celebrity_followers" in bad_celebrity.output
    assert not (tmp_path / "data" / "roost.db").exists()
