"""Every setting is documented in the README, as ROOST_<NAME>."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from roost.config import Settings

README = Path(__file__).resolve().parents[1] / "README.md"


def test_every_setting_is_documented_in_readme() -> None:
    text = README.read_text()
    missing = [
        f"ROOST_{field.name.upper()}"
        for field in dataclasses.fields(Settings)
        if f"`ROOST_{field.name.upper()}`" not in text
    ]
    assert missing == []
