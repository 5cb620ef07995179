"""Reading ids from request text: the one parser every layer uses.

Ids travel as decimal strings. Only ASCII digits count: ``str.isdigit`` is
also true for superscripts and circled digits, which ``int`` then refuses.
"""

from __future__ import annotations

MAX_ID = (1 << 63) - 1  # ids are signed 64-bit in the database


def parse_id(raw: str | int | None) -> int | None:
    """The id ``raw`` names, or None when it is absent or cannot be an id
    (not plain ASCII digits, zero, or beyond 64 bits)."""
    if raw is None or isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        value = raw
    elif raw.isascii() and raw.isdigit() and len(raw) <= 19:
        value = int(raw)
    else:
        return None
    return value if 0 < value <= MAX_ID else None


def is_id_text(raw: str) -> bool:
    """True for a string of ASCII digits short enough to parse (any value)."""
    return raw.isascii() and raw.isdigit() and len(raw) <= 19
