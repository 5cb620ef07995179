"""PKCE (RFC 7636): the code challenge stored with an authorization code and
the verifier the client proves it with at the token endpoint."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re

METHODS = ("S256", "plain")
# Challenges and verifiers share the same alphabet and length bounds.
_PKCE_STRING = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")


def valid_challenge(challenge: str, method: str) -> bool:
    return method in METHODS and bool(_PKCE_STRING.fullmatch(challenge))


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def verifier_matches(verifier: str | None, *, challenge: str, method: str) -> bool:
    """Whether ``verifier`` answers ``challenge`` under ``method``."""
    if verifier is None or not _PKCE_STRING.fullmatch(verifier):
        return False
    expected = s256(verifier) if method == "S256" else verifier
    return hmac.compare_digest(expected, challenge)
