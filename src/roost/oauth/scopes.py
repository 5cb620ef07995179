"""OAuth scopes: parsing, the known set, and "is this covered by that"."""

from __future__ import annotations

from collections.abc import Collection, Iterable

_GRANULAR = {
    "read": (
        "accounts",
        "blocks",
        "bookmarks",
        "favourites",
        "filters",
        "follows",
        "lists",
        "mutes",
        "notifications",
        "search",
        "statuses",
    ),
    "write": (
        "accounts",
        "blocks",
        "bookmarks",
        "conversations",
        "favourites",
        "filters",
        "follows",
        "lists",
        "media",
        "mutes",
        "notifications",
        "reports",
        "statuses",
    ),
}

BROAD_SCOPES = ("read", "write", "follow", "push", "profile")
KNOWN_SCOPES = frozenset(
    [
        *BROAD_SCOPES,
        "admin:read",
        "admin:write",
        "admin:read:accounts",
        "admin:write:accounts",
        "admin:read:reports",
        "admin:write:reports",
    ]
    + [f"{broad}:{name}" for broad, names in _GRANULAR.items() for name in names]
)
DEFAULT_SCOPE = "read"

# The legacy "follow" scope stands for these (as in roost.kernel.auth.Viewer).
_FOLLOW_GRANTS = frozenset(
    {"read:follows", "write:follows", "read:blocks", "write:blocks", "read:mutes", "write:mutes"}
)


def parse_scopes(raw: str | Iterable[str] | None, *, default: str = DEFAULT_SCOPE) -> list[str]:
    """Split a space (or ``+``) separated scope string, keeping order, without repeats."""
    if raw is None:
        words: list[str] = []
    elif isinstance(raw, str):
        words = raw.replace("+", " ").split()
    else:
        words = [w for item in raw for w in item.replace("+", " ").split()]
    if not words:
        words = default.split()
    return list(dict.fromkeys(words))


def unknown_scopes(scopes: Iterable[str]) -> list[str]:
    return [s for s in scopes if s not in KNOWN_SCOPES]


def scope_covered(granted: Collection[str], scope: str) -> bool:
    """Whether ``granted`` includes ``scope``, directly or through a broader scope."""
    if scope in granted:
        return True
    broad, _, narrow = scope.partition(":")
    if narrow and broad in granted and broad in _GRANULAR:
        return True
    # admin:write covers admin:write:accounts.
    if broad == "admin" and scope.rsplit(":", 1)[0] in granted:
        return True
    return "follow" in granted and scope in _FOLLOW_GRANTS


def all_covered(granted: Collection[str], requested: Iterable[str]) -> bool:
    return all(scope_covered(granted, s) for s in requested)
