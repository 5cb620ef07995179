"""The rules a push subscription must follow, checked before anything is
stored (pure: no I/O).

The endpoint is where Roost will POST, so it is held to more than being a
URL: https only, no user info, and not an address inside the operator's
network given as a literal (loopback, private, link-local...). Tests and
development allow loopback endpoints, also over plain http, with
``ROOST_PUSH_ALLOW_LOOPBACK``.
"""

from __future__ import annotations

import dataclasses
import ipaddress
from urllib.parse import urlsplit

from roost.infra.webpush import AUTH_BYTES, b64decode_any, b64url, check_p256dh
from roost.kernel.errors import ValidationFailed
from roost.push.entities import ADMIN_ALERTS, POLICIES, AlertsInput

MAX_ENDPOINT_CHARS = 2048
MAX_KEY_CHARS = 200


@dataclasses.dataclass(frozen=True, slots=True)
class CheckedKeys:
    """The subscriber's keys, re-encoded as base64url without padding."""

    p256dh: str
    auth: str


def _invalid(field: str, description: str, *, code: str = "ERR_INVALID") -> ValidationFailed:
    return ValidationFailed(
        f"{field} {description}", details={field: [{"error": code, "description": description}]}
    )


def _blank(field: str) -> ValidationFailed:
    return _invalid(field, "can't be blank", code="ERR_BLANK")


def _is_loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _internal_address(host: str) -> bool:
    """A literal address that is not a public one (or a local name)."""
    if host == "localhost" or host.endswith((".localhost", ".local", ".internal")):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return not address.is_global or address.is_multicast


def check_endpoint(endpoint: str | None, *, allow_loopback: bool) -> str:
    field = "endpoint"
    if endpoint is None or not endpoint.strip():
        raise _blank(field)
    if len(endpoint) > MAX_ENDPOINT_CHARS:
        raise _invalid(field, f"is longer than {MAX_ENDPOINT_CHARS} characters")
    if any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in endpoint):
        raise _invalid(field, "contains whitespace or control characters")
    try:
        parts = urlsplit(endpoint)
        host = (parts.hostname or "").lower()
        parts.port  # noqa: B018 -- raises ValueError for a bad port
    except ValueError:
        raise _invalid(field, "is not a valid URL") from None
    if parts.scheme not in ("https", "http") or not host:
        raise _invalid(field, "is not a valid https URL")
    if parts.username is not None or parts.password is not None or parts.fragment:
        raise _invalid(field, "may not carry user info or a fragment")
    loopback = _is_loopback(host)
    if loopback and allow_loopback:
        return endpoint
    if parts.scheme != "https":
        raise _invalid(field, "must be an https URL")
    if _internal_address(host):
        raise _invalid(field, "must be a public address")
    return endpoint


def check_keys(p256dh: str | None, auth: str | None) -> CheckedKeys:
    if p256dh is None or not p256dh.strip():
        raise _blank("keys.p256dh")
    if auth is None or not auth.strip():
        raise _blank("keys.auth")
    point = _decode("keys.p256dh", p256dh)
    if not check_p256dh(point):
        raise _invalid("keys.p256dh", "is not an uncompressed P-256 public key")
    secret = _decode("keys.auth", auth)
    if len(secret) != AUTH_BYTES:
        raise _invalid("keys.auth", f"is not {AUTH_BYTES} bytes")
    return CheckedKeys(p256dh=b64url(point), auth=b64url(secret))


def _decode(field: str, text: str) -> bytes:
    if len(text) > MAX_KEY_CHARS:
        raise _invalid(field, "is too long")
    try:
        return b64decode_any(text)
    except ValueError:
        raise _invalid(field, "is not base64") from None


def check_policy(policy: str | None) -> str | None:
    if policy is None:
        return None
    if policy not in POLICIES:
        raise _invalid("policy", f"is not one of {', '.join(POLICIES)}")
    return policy


def merge_alerts(
    current: frozenset[str], given: AlertsInput | None, *, is_admin: bool
) -> frozenset[str]:
    """The alerts switched on after a request: those it names take their
    value, the others keep theirs. Administrator alerts stay off for other
    accounts (as on Mastodon, silently)."""
    alerts = set(current)
    for name, value in (given.given() if given is not None else {}).items():
        if value and (is_admin or name not in ADMIN_ALERTS):
            alerts.add(name)
        else:
            alerts.discard(name)
    return frozenset(alerts)
