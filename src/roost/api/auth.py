"""Who is calling: bearer tokens resolved to a Viewer, and OAuth scope checks."""

from __future__ import annotations

from starlette.requests import Request
from starlette.types import Scope

# The (token, Viewer or None) the rate-limit middleware already resolved for
# this request, in the ASGI scope: the handler does not look it up again.
VIEWER_KEY = "roost.viewer"


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if header:
        scheme, _, value = header.partition(" ")
        if scheme.lower() == "bearer" and value.strip():
            return value.strip()
        return None
    token = request.query_params.get("access_token")
    return token or None


def scope_bearer_token(scope: Scope) -> str | None:
    """``bearer_token`` read straight from the ASGI scope: a scan of the raw
    headers, without building a Request and its header map, unless the query
    string may carry the token (then as ``bearer_token`` reads it)."""
    if b"access_token" in scope.get("query_string", b""):
        return bearer_token(Request(scope))
    headers: list[tuple[bytes, bytes]] = scope["headers"]
    for name, value in headers:
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            if scheme.lower() == "bearer" and token.strip():
                return token.strip()
            return None
    return None
