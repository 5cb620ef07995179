"""Which redirect URIs a client may register, and so be sent codes to.

The authorize page answers with a 302 to the redirect URI, so a
``javascript:`` or ``data:`` URI would run the client's script in the
user's browser on our origin's say-so. Allowed: ``https``, ``http`` (any
host, as Mastodon allows; PKCE protects a code sent in clear), custom app
schemes (``com.example.app://callback``: how mobile apps get the code back)
and the out-of-band URN, which shows the code on the page instead.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlsplit

OOB_REDIRECT = "urn:ietf:wg:oauth:2.0:oob"
MAX_REDIRECT_URI_CHARS = 2000

# Schemes a browser executes, renders from the URI itself, or reads locally.
REFUSED_SCHEMES = frozenset(
    {
        "javascript",
        "vbscript",
        "livescript",
        "data",
        "file",
        "blob",
        "filesystem",
        "about",
        "view-source",
        "jar",
        "mhtml",
    }
)
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*")
# Control, format (bidi overrides, zero-width) and separator characters.
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zs", "Zl", "Zp"})


def _has_invisible(uri: str) -> bool:
    return any(
        ch.isspace() or unicodedata.category(ch) in _INVISIBLE_CATEGORIES
        for ch in uri
        if not ("!" <= ch <= "~")
    )


def redirect_uri_problem(uri: str) -> str | None:
    """Why ``uri`` cannot be a redirect URI, or None when it can."""
    if uri == OOB_REDIRECT:
        return None
    if len(uri) > MAX_REDIRECT_URI_CHARS:
        return f"Redirect URI is too long (maximum is {MAX_REDIRECT_URI_CHARS} characters)"
    if _has_invisible(uri):
        return "Redirect URI must not contain whitespace or control characters"
    scheme, colon, rest = uri.partition(":")
    if not colon or not rest or not _SCHEME.fullmatch(scheme):
        return "Redirect URI must be an absolute URI."
    if "#" in uri:
        # RFC 6749 section 3.1.2: the code is appended as a query.
        return "Redirect URI must not contain a fragment"
    scheme = scheme.lower()
    if scheme in REFUSED_SCHEMES:
        return f"Redirect URI scheme {scheme}: is not allowed"
    if scheme in ("http", "https"):
        try:
            parts = urlsplit(uri)
            port_ok = parts.port is None or parts.port > 0
        except ValueError:
            return "Redirect URI must be an absolute URI."
        if not parts.hostname or not rest.startswith("//") or not port_ok:
            return "Redirect URI must be an absolute URI."
        if parts.username is not None or parts.password is not None:
            # "https://trusted.example@evil.example/" reads as the wrong host.
            return "Redirect URI must not contain a user name or password"
    return None


def is_allowed_redirect_uri(uri: str) -> bool:
    return redirect_uri_problem(uri) is None
