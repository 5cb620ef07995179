"""The `roost` command line loads its subcommands only when they run."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import click
import pytest

from roost.cli import LAZY_COMMANDS, main

SERVER_PACKAGE = Path(__file__).resolve().parents[1] / "src" / "roost"


def _python(code: str) -> subprocess.CompletedProcess[str]:
    # A fresh interpreter: this one has imported everything other tests use.
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )


def test_listing_commands_imports_none_of_them() -> None:
    result = _python(
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from roost.cli import main\n"
        "assert CliRunner().invoke(main, ['--help']).exit_code == 0\n"
        "heavy = ('roost_bench', 'numpy', 'rich', 'matplotlib', 'sqlalchemy', 'roost.seed')\n"
        "print(sorted(m for m in sys.modules if m.startswith(heavy)))\n"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


@pytest.mark.parametrize("name", sorted(LAZY_COMMANDS))
def test_stored_help_is_the_commands_own(name: str) -> None:
    command = main.get_command(click.Context(main), name)
    assert command is not None and command.name == name
    assert command.get_short_help_str(limit=1_000) == LAZY_COMMANDS[name].short_help


def test_bench_without_its_extra_says_what_to_install() -> None:
    # None in sys.modules: as if matplotlib (of the bench extra) were not installed.
    result = _python(
        "import sys\n"
        "sys.modules['matplotlib'] = None\n"
        "from roost.cli import main\n"
        "main(['bench', 'report', '--help'], prog_name='roost')\n"
    )
    assert result.returncode == 2
    assert "module 'matplotlib' is missing" in result.stderr
    assert "pip install 'roost[bench]'" in result.stderr


def test_server_package_does_not_import_the_bench() -> None:
    """Only the CLI's lazy hook names roost_bench, as a string."""
    offenders = []
    for path in SERVER_PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            else:
                continue
            if any(n.split(".")[0] == "roost_bench" for n in names):
                offenders.append(f"{path.relative_to(SERVER_PACKAGE)}:{node.lineno}")
    assert offenders == []
