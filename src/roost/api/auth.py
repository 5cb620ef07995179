"""Who is calling: bearer tokens resolved to a Viewer, and OAuth scope checks."""

from __future__ import annotations

from starlette.requests import Request

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
