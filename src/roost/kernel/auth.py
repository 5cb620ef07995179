"""The caller of a request once its token is resolved, and how tokens are stored."""

from __future__ import annotations

import dataclasses
import hashlib

# A broad scope grants every narrower scope below it; "follow" is Mastodon's
# legacy scope for relationships.
_LEGACY_FOLLOW = frozenset(
    {"read:follows", "write:follows", "read:blocks", "write:blocks", "read:mutes", "write:mutes"}
)


@dataclasses.dataclass(frozen=True, slots=True)
class Viewer:
    """The holder of a valid access token."""

    token_id: int
    app_id: int
    account_id: int | None
    scopes: frozenset[str]
    # The sign-up state of the token's account (true for app-only tokens).
    confirmed: bool = True
    approved: bool = True
    # The account is suspended or its login disabled by a moderator: its
    # tokens are refused everywhere.
    disabled: bool = False

    def allows(self, scope: str) -> bool:
        if scope in self.scopes:
            return True
        broad = scope.split(":", 1)[0]
        if broad in self.scopes:
            return True
        # admin:write grants admin:write:accounts (and so on).
        if scope.startswith("admin:") and scope.rsplit(":", 1)[0] in self.scopes:
            return True
        return "follow" in self.scopes and scope in _LEGACY_FOLLOW

    def restriction(self, *, confirmation_required: bool) -> str | None:
        """Why this account may not use user endpoints yet, in Mastodon's
        words, or None when it may."""
        if self.disabled:
            return "Your login is currently disabled"
        if confirmation_required and not self.confirmed:
            return "Your login is missing a confirmed e-mail address"
        if not self.approved:
            return "Your login is currently pending approval"
        return None


def hash_token(token: str) -> str:
    """Tokens are 256 random bits, so a plain SHA-256 is a safe stored form."""
    return hashlib.sha256(token.encode()).hexdigest()
