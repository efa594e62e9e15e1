"""Outbound connections to user-named hosts, guarded against SSRF.

Every connection goes through `GuardedBackend`: the host name is resolved once,
every address it resolves to is checked, and the connection is made to that
checked address (so a second DNS answer cannot swap in another one; TLS still
verifies the name from the URL). Loopback, private, link-local, CGNAT,
multicast, reserved and unspecified addresses are refused, for IPv4 and IPv6
(IPv4-mapped and 6to4 IPv6 are judged as the IPv4 address they carry), unless an operator
lists the network in NODION_ALLOWED_REGISTRY_NETWORKS. Redirects and token
realms connect through the same backend, so they are checked too.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import ssl
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any

import httpcore
import httpx

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], Awaitable[list[str]]]

# Not covered by the ipaddress properties below, yet never a public registry.
EXTRA_REFUSED = [ipaddress.ip_network("100.64.0.0/10")]  # CGNAT (RFC 6598)


class BlockedAddress(Exception):
    """A connection that the guard refused; the message names no secret."""


def _unmapped(address: IPAddress) -> IPAddress:
    """IPv6 forms that carry an IPv4 destination are judged as that IPv4 address:
    IPv4-mapped (::ffff:a.b.c.d) and 6to4 (2002:AABB:CCDD::/48)."""
    if isinstance(address, ipaddress.IPv6Address):
        return address.ipv4_mapped or address.sixtofour or address
    return address


def refusal_reason(address: IPAddress) -> str | None:
    """Why connecting to `address` is refused, or None for a public address."""
    address = _unmapped(address)
    checks = (
        ("unspecified", address.is_unspecified),
        ("loopback", address.is_loopback),
        ("link-local", address.is_link_local),
        ("multicast", address.is_multicast),
        ("private", address.is_private),
        ("carrier-grade NAT", any(address in network for network in EXTRA_REFUSED)),
        ("reserved", address.is_reserved),
        ("non-global", not address.is_global),
    )
    return next((reason for reason, refused in checks if refused), None)


def parse_networks(text: str) -> list[Network]:
    """`10.0.0.0/8, 127.0.0.1/32` → networks (ValueError names the bad entry)."""
    networks = []
    for entry in (part.strip() for part in text.split(",")):
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            raise ValueError(f"{entry!r} is not a CIDR network") from None
    return networks


def permitted(address: IPAddress, allowlist: Sequence[Network]) -> str | None:
    """None when the connection may go ahead, else the reason it may not."""
    address = _unmapped(address)
    if any(address.version == net.version and address in net for net in allowlist):
        return None
    return refusal_reason(address)


async def system_resolver(host: str, port: int) -> list[str]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class GuardedBackend(httpcore.AsyncNetworkBackend):
    def __init__(
        self,
        allowlist: Sequence[Network],
        resolver: Resolver = system_resolver,
        inner: httpcore.AsyncNetworkBackend | None = None,
    ) -> None:
        self.allowlist = list(allowlist)
        self.resolver = resolver
        self.inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        address = await self.checked_address(host, port)
        return await self.inner.connect_tcp(
            address,
            port,
            timeout=timeout,
            local_address=local_address,
            socket_options=socket_options,
        )

    async def checked_address(self, host: str, port: int) -> str:
        try:
            candidates = [str(ipaddress.ip_address(host.strip("[]")))]
        except ValueError:
            candidates = await self.resolver(host, port)
        if not candidates:
            raise OSError(f"{host} has no address")
        for candidate in candidates:
            # One refused answer refuses the name: a mix is how rebinding starts.
            if reason := permitted(ipaddress.ip_address(candidate.split("%")[0]), self.allowlist):
                raise BlockedAddress(f"{host} resolves to a {reason} address ({candidate})")
        return candidates[0]

    async def connect_unix_socket(self, *args: Any, **kwargs: Any) -> httpcore.AsyncNetworkStream:
        raise BlockedAddress("unix sockets are not registries")

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


class Outbound:
    """Makes guarded HTTPS clients; one per check, with the registry's own CA if any."""

    def __init__(
        self,
        allowlist: Sequence[Network],
        *,
        timeout: float,
        max_response_bytes: int,
        resolver: Resolver = system_resolver,
        inner: httpcore.AsyncNetworkBackend | None = None,
    ) -> None:
        self.allowlist = list(allowlist)
        self.timeout = timeout
        self.max_response_bytes = max_response_bytes
        self.resolver = resolver
        self.inner = inner

    def client(self, ca_certificate: str | None = None) -> httpx.AsyncClient:
        context = ssl.create_default_context()
        if ca_certificate:
            context.load_verify_locations(cadata=ca_certificate)
        transport = httpx.AsyncHTTPTransport(verify=context, trust_env=False)
        # httpx has no public hook for the network backend; its transport keeps
        # the httpcore pool in `_pool` (tests cover this wiring end to end).
        transport._pool = httpcore.AsyncConnectionPool(
            ssl_context=context,
            max_connections=4,
            network_backend=GuardedBackend(self.allowlist, self.resolver, self.inner),
        )
        step = min(5.0, self.timeout)
        return httpx.AsyncClient(
            transport=transport,
            trust_env=False,  # an environment proxy would bypass the guard
            follow_redirects=True,
            max_redirects=3,
            timeout=httpx.Timeout(step),
            event_hooks={"request": [_https_only]},
        )


async def _https_only(request: httpx.Request) -> None:
    if request.url.scheme != "https":
        raise BlockedAddress(f"{request.url.host} was asked for over plain http; only https")
