"""The small formula language: values, rendering and what it refuses."""

from __future__ import annotations

import pytest

from roost.capacity.formula import FormulaError, count, evaluate, human_bytes, parse, render


@pytest.mark.parametrize(
    ("expression", "expected", "shown"),
    [
        ("a * b + c", 2 * 3 + 4, "a × b + c"),
        ("a * (b + c)", 2 * (3 + 4), "a × (b + c)"),
        ("a - (b - c)", 2 - (3 - 4), "a - (b - c)"),
        ("a / (b * c)", 2 / (3 * 4), "a ÷ (b × c)"),
        ("a / b / c", 2 / 3 / 4, "a ÷ b ÷ c"),
        ("ceil(a / b)", 1, "⌈a ÷ b⌉"),
        ("max(a, c)", 4, "max(a, c)"),
        ("a * 1000", 2000, "a × 1,000"),
    ],
)
def test_evaluate_and_render(expression: str, expected: float, shown: str) -> None:
    tree = parse(expression)
    names = {"a": 2.0, "b": 3.0, "c": 4.0}
    assert evaluate(tree, names) == pytest.approx(expected)
    assert render(tree, str) == shown
    assert render(tree, lambda n: count(names[n])).count("(") == shown.count("(")


@pytest.mark.parametrize(
    "expression", ["a ** 2", "__import__('os')", "a.b", "a if b else c", "-a", "open(a)"]
)
def test_refuses_anything_else(expression: str) -> None:
    with pytest.raises(FormulaError):
        parse(expression)


def test_unknown_name() -> None:
    with pytest.raises(FormulaError, match="nope"):
        evaluate(parse("nope + 1"), {})


def test_number_formatting() -> None:
    assert count(5000.0) == "5,000"
    assert count(2.88) == "2.88"
    assert count(172.8) == "172.8"
    assert count(0.05) == "0.05"
    assert human_bytes(7_200) == "7.20 KB"
    assert human_bytes(1_080_000_000_000) == "1.08 TB"
    assert human_bytes(512) == "512 B"
