"""Arithmetic formulas that compute a value and show how.

A formula is a Python expression over named quantities (``posts_avg *
peak_factor``) using ``+ - * /``, parentheses, ``ceil(...)`` and
``max(...)``. Evaluating it gives the value; rendering it gives the formula
twice, once with names and once with the numbers put in, so the printed
formula is exactly what was computed:
``posts_avg × peak_factor = 5,000 × 2.4``.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable, Mapping

_OPS: dict[type[ast.operator], tuple[str, int, Callable[[float, float], float]]] = {
    ast.Add: ("+", 1, lambda a, b: a + b),
    ast.Sub: ("-", 1, lambda a, b: a - b),
    ast.Mult: ("×", 2, lambda a, b: a * b),
    ast.Div: ("÷", 2, lambda a, b: a / b),
}
_CALLS: dict[str, Callable[..., float]] = {"ceil": math.ceil, "max": max}


class FormulaError(ValueError):
    pass


def parse(expression: str) -> ast.expr:
    """Parse and check that only the allowed forms are used."""
    try:
        tree = ast.parse(expression, mode="eval").body
    except SyntaxError as exc:
        raise FormulaError(f"bad formula {expression!r}") from exc
    for node in ast.walk(tree):
        if isinstance(node, ast.BinOp) and type(node.op) not in _OPS:
            raise FormulaError(f"operator not allowed in {expression!r}")
        if isinstance(node, ast.Call) and not (
            isinstance(node.func, ast.Name) and node.func.id in _CALLS and not node.keywords
        ):
            raise FormulaError(f"call not allowed in {expression!r}")
        allowed = (ast.BinOp, ast.Call, ast.Name, ast.Constant, ast.Load, ast.operator)
        if not isinstance(node, allowed):
            raise FormulaError(f"{type(node).__name__} not allowed in {expression!r}")
    return tree


def evaluate(tree: ast.expr, names: Mapping[str, float]) -> float:
    if isinstance(tree, ast.Constant) and isinstance(tree.value, int | float):
        return float(tree.value)
    if isinstance(tree, ast.Name):
        if tree.id not in names:
            raise FormulaError(f"unknown quantity {tree.id!r}")
        return float(names[tree.id])
    if isinstance(tree, ast.BinOp):
        _, _, apply = _OPS[type(tree.op)]
        return apply(evaluate(tree.left, names), evaluate(tree.right, names))
    if isinstance(tree, ast.Call) and isinstance(tree.func, ast.Name):
        return float(_CALLS[tree.func.id](*(evaluate(a, names) for a in tree.args)))
    raise FormulaError(f"cannot evaluate {ast.dump(tree)}")


def render(tree: ast.expr, show_name: Callable[[str], str]) -> str:
    """The formula as text, each name shown by ``show_name`` (itself or its value)."""
    if isinstance(tree, ast.Constant) and isinstance(tree.value, int | float):
        return count(float(tree.value))
    if isinstance(tree, ast.Name):
        return show_name(tree.id)
    if isinstance(tree, ast.BinOp):
        symbol, level, _ = _OPS[type(tree.op)]
        left = render(tree.left, show_name)
        right = render(tree.right, show_name)
        if _level(tree.left) < level:
            left = f"({left})"
        # a - (b + c) and a ÷ (b × c) need their parentheses; a + (b + c) does not.
        right_level = _level(tree.right)
        if right_level < level or (right_level == level and symbol in ("-", "÷")):
            right = f"({right})"
        return f"{left} {symbol} {right}"
    if isinstance(tree, ast.Call) and isinstance(tree.func, ast.Name):
        inner = ", ".join(render(a, show_name) for a in tree.args)
        return f"⌈{inner}⌉" if tree.func.id == "ceil" else f"{tree.func.id}({inner})"
    raise FormulaError(f"cannot render {ast.dump(tree)}")


def _level(tree: ast.expr) -> int:
    if isinstance(tree, ast.BinOp):
        return _OPS[type(tree.op)][1]
    return 3


def count(value: float) -> str:
    """A number for people: thousands separators, no needless decimals."""
    if value == int(value) and abs(value) < 1e18:
        return f"{int(value):,}"
    if abs(value) >= 100:
        return f"{value:,.1f}"
    return f"{value:,.4g}"


_BYTE_UNITS = ((1e15, "PB"), (1e12, "TB"), (1e9, "GB"), (1e6, "MB"), (1e3, "KB"))


def human_bytes(value: float) -> str:
    """Decimal units (1 GB = 10^9 bytes), as storage and links are sold."""
    for size, unit in _BYTE_UNITS:
        if abs(value) >= size:
            return f"{value / size:,.2f} {unit}"
    return f"{value:,.0f} B"
