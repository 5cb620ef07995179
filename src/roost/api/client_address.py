"""The caller's address, believing X-Forwarded-For only from trusted proxies.

Behind a reverse proxy every connection comes from the proxy, and the
caller's address is in the ``X-Forwarded-For`` header that each proxy extends
with the address it got the request from. Anybody can send that header,
so it is read only when the connection itself comes from a trusted proxy
(``ROOST_TRUSTED_PROXIES``, empty by default: trust no one), and then from
the right: entries that are trusted proxies themselves are skipped, and the
first one that is not is the client (the way Rails and Mastodon read it).
Entries further left were written by the client and are ignored.

This is the one place that decides the address used by the rate limits, the
login limits and logs.
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Iterable, Sequence

from starlette.requests import Request
from starlette.types import Scope

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Where the resolved address is kept in the ASGI scope, so it is worked out
# once per request (the rate-limit middleware does it first).
SCOPE_KEY = "roost.client_address"
UNKNOWN = "unknown"


@functools.lru_cache(maxsize=8)
def trusted_networks(entries: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    """Parse ``ROOST_TRUSTED_PROXIES`` entries (addresses or CIDR networks)."""
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries)


def _parse(text: str) -> IPAddress | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # "[2001:db8::1]:443"
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # "192.0.2.1:443"
        text = text.partition(":")[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _trusted(address: IPAddress, networks: Sequence[IPNetwork]) -> bool:
    return any(address.version == n.version and address in n for n in networks)


def resolve_client_address(
    peer: str | None, forwarded_for: Iterable[str], networks: Sequence[IPNetwork]
) -> str:
    """The client's address, from the connection's ``peer`` address and the
    ``X-Forwarded-For`` header values (in the order received)."""
    if not peer:
        return UNKNOWN
    if not networks:
        return peer  # nothing to believe: skip parsing (every API request comes here)
    peer_address = _parse(peer)
    if peer_address is None:
        return peer
    if not _trusted(peer_address, networks):
        return str(peer_address)
    hops = [hop for value in forwarded_for for hop in value.split(",")]
    client = peer_address
    for hop in reversed(hops):
        address = _parse(hop)
        if address is None:
            # Not an address: whatever wrote it is not a proxy to believe.
            break
        client = address
        if not _trusted(address, networks):
            break
    return str(client)


def scope_client_address(scope: Scope, trusted: tuple[str, ...]) -> str:
    """The caller's address for an ASGI ``scope`` (resolved once, then kept)."""
    known = scope.get(SCOPE_KEY)
    if known is not None:
        return str(known)
    networks = trusted_networks(trusted)
    client = scope.get("client")
    peer = client[0] if client else None
    forwarded: list[str] = []
    if networks:
        forwarded = [v.decode("latin-1") for k, v in scope["headers"] if k == b"x-forwarded-for"]
    address = resolve_client_address(peer, forwarded, networks)
    scope[SCOPE_KEY] = address
    return address


def client_address(request: Request) -> str:
    """The caller's address for a request (see the module docstring)."""
    return scope_client_address(request.scope, request.app.state.services.settings.trusted_proxies)
