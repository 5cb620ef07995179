"""The one parser for ids in request text."""

from __future__ import annotations

import pytest

from roost.kernel.idtext import MAX_ID, is_id_text, parse_id


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1", 1),
        ("109876543210987654", 109876543210987654),
        (str(MAX_ID), MAX_ID),
        (42, 42),
        (None, None),
        ("", None),
        ("0", None),
        (0, None),
        (-5, None),
        (True, None),
        (str(MAX_ID + 1), None),
        ("12345678901234567890", None),
        ("²", None),  # a superscript: str.isdigit() says yes, int() says no
        ("①", None),
        ("١٢٣", None),  # Arabic-Indic digits: int() would accept them
        ("12a", None),
        (" 12", None),
        ("-3", None),
        ("+3", None),
        ("1_000", None),
    ],
)
def test_parse_id(raw: str | int | None, expected: int | None) -> None:
    assert parse_id(raw) == expected


def test_is_id_text_only_takes_short_ascii_digit_strings() -> None:
    assert is_id_text("0") and is_id_text("9" * 19)
    assert not is_id_text("9" * 20)
    assert not is_id_text("²")
    assert not is_id_text("")
