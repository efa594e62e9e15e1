"""Which address a request came from, for counting failed logins.

`X-Forwarded-For` is written by whoever sends the request, so it is believed
only when the connecting peer is a proxy the operator listed (NODION_TRUSTED_PROXIES,
empty by default). Even then only the part of the chain that trusted proxies
appended is believed: walking from the right, the first address that is not a
trusted proxy is the client. Anything a client put further left is ignored.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from app.networks import Network

UNKNOWN = "unknown"


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def _trusted(
    address: ipaddress.IPv4Address | ipaddress.IPv6Address, proxies: Sequence[Network]
) -> bool:
    return any(address in network for network in proxies)


def client_address(peer: str | None, forwarded_for: list[str], proxies: Sequence[Network]) -> str:
    """`peer`: the connecting address; `forwarded_for`: every X-Forwarded-For header."""
    if peer is None:
        return UNKNOWN
    if not proxies:  # the default: nothing to parse (this runs on every login)
        return peer
    current = _address(peer)
    if current is None or not _trusted(current, proxies):
        return peer
    hops = [hop for header in forwarded_for for hop in header.split(",")]
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:  # a proxy would not write this: stop believing the chain
            break
        current = address
        if not _trusted(address, proxies):
            break
    return str(current)
