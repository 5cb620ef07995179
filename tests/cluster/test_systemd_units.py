"""The systemd units shipped in deploy/systemd: valid for systemd, and their
command lines are ones the CLI accepts."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from roost.cli import main
from roost.config import Settings

UNITS = Path(__file__).parents[2] / "deploy" / "systemd"


def test_systemd_accepts_the_units(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed")
    names = []
    for unit in UNITS.glob("*.service"):
        # Templates are checked as an instance of themselves.
        name = unit.name.replace("@.", "@8001.")
        (tmp_path / name).write_text(unit.read_text())
        names.append(str(tmp_path / name))
    shutil.copy(UNITS / "roost.target", tmp_path)
    names.append(str(tmp_path / "roost.target"))
    result = subprocess.run(
        [analyze, "verify", "--man=no", *names], capture_output=True, text=True, cwd=tmp_path
    )
    # The install path of the executable does not exist here; nothing else may fail.
    problems = [
        line
        for line in (result.stdout + result.stderr).splitlines()
        if line.strip() and "is not executable" not in line
    ]
    assert problems == []


def test_the_units_run_commands_roost_has() -> None:
    for unit in UNITS.glob("*.service"):
        (command,) = re.findall(r"^ExecStart=\S+/roost (.+)$", unit.read_text(), re.M)
        args = command.replace("%i", "8001").split()
        # --help after the arguments: click parses them all, runs nothing.
        result = CliRunner().invoke(main, [*args, "--help"])
        assert result.exit_code == 0, (unit.name, result.output)


def test_the_environment_file_names_real_settings() -> None:
    fields = {f"ROOST_{name.upper()}" for name in Settings.__dataclass_fields__}
    names = re.findall(r"^(ROOST_\w+)=", (UNITS / "roost.env").read_text(), re.M)
    assert names and set(names) <= fields
    assert "ROOST_PORT" not in names
