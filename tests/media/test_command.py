"""``roost media sweep`` on a real (SQLite) database."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from roost.cli import main


def test_media_sweep_command(tmp_path: Path) -> None:
    env = {"ROOST_DATA_DIR": str(tmp_path / "data"), "ROOST_WORKER_ID": "3"}
    runner = CliRunner()
    migrated = runner.invoke(main, ["migrate"], env=env)
    assert migrated.exit_code == 0, migrated.output
    swept = runner.invoke(main, ["media", "sweep", "--hours", "0"], env=env)
    assert swept.exit_code == 0, swept.output
    assert "0 unattached uploads deleted" in swept.output
