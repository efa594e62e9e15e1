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
import contextlib
import ipaddress
import socket
import ssl
import time
from collections.abc import (
    AsyncIterable,
    AsyncIterator,
    Awaitable,
    Callable,
    Iterable,
    Iterator,
    Sequence,
)
from typing import TYPE_CHECKING, Any

import httpcore
import httpx

from app.networks import Network, parse_networks

if TYPE_CHECKING:
    from app.settings import Settings

__all__ = ["BlockedAddress", "GuardedBackend", "Outbound", "parse_networks", "permitted"]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
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


# httpcore's failures as httpx's, most specific first (a subclass before its base).
_HTTPX_ERRORS: tuple[tuple[type[Exception], type[httpx.TransportError]], ...] = (
    (httpcore.ConnectTimeout, httpx.ConnectTimeout),
    (httpcore.ReadTimeout, httpx.ReadTimeout),
    (httpcore.WriteTimeout, httpx.WriteTimeout),
    (httpcore.PoolTimeout, httpx.PoolTimeout),
    (httpcore.TimeoutException, httpx.TimeoutException),
    (httpcore.ConnectError, httpx.ConnectError),
    (httpcore.ReadError, httpx.ReadError),
    (httpcore.WriteError, httpx.WriteError),
    (httpcore.NetworkError, httpx.NetworkError),
    (httpcore.UnsupportedProtocol, httpx.UnsupportedProtocol),
    (httpcore.LocalProtocolError, httpx.LocalProtocolError),
    (httpcore.RemoteProtocolError, httpx.RemoteProtocolError),
    (httpcore.ProtocolError, httpx.ProtocolError),
)


@contextlib.contextmanager
def _as_httpx_errors() -> Iterator[None]:
    try:
        yield
    except Exception as error:
        for source, target in _HTTPX_ERRORS:
            if isinstance(error, source):
                raise target(str(error)) from error
        raise  # BlockedAddress and anything else pass through unchanged


class _GuardedStream(httpx.AsyncByteStream):
    def __init__(self, inner: AsyncIterable[bytes]) -> None:
        self.inner = inner

    async def __aiter__(self) -> AsyncIterator[bytes]:
        with _as_httpx_errors():
            async for chunk in self.inner:
                yield chunk

    async def aclose(self) -> None:
        close = getattr(self.inner, "aclose", None)
        if close is not None:
            await close()


class GuardedTransport(httpx.AsyncBaseTransport):
    """An httpx transport over an httpcore pool whose network backend is the
    guard: built from public APIs only (httpx has no public way to give its own
    transport a network backend), so an upgrade cannot silently unplug it."""

    def __init__(self, pool: httpcore.AsyncConnectionPool) -> None:
        self.pool = pool

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        assert isinstance(request.stream, httpx.AsyncByteStream)
        core_request = httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=request.url.raw_scheme,
                host=request.url.raw_host,
                port=request.url.port,
                target=request.url.raw_path,
            ),
            headers=request.headers.raw,
            content=request.stream,
            extensions=request.extensions,
        )
        with _as_httpx_errors():
            response = await self.pool.handle_async_request(core_request)
        assert isinstance(response.stream, AsyncIterable)
        return httpx.Response(
            status_code=response.status,
            headers=response.headers,
            stream=_GuardedStream(response.stream),
            extensions=response.extensions,
        )

    async def aclose(self) -> None:
        await self.pool.aclose()


class Outbound:
    """Makes guarded HTTPS clients; one per check, with the registry's own CA if any.

    `timeout` bounds each check; a copy made by `sharing_one_budget` (one per
    GraphQL request) bounds all the checks made through it together: 30 aliased
    checks of a host that never answers take `timeout` in all, not 30 times it."""

    def __init__(
        self,
        allowlist: Sequence[Network],
        *,
        timeout: float,
        max_response_bytes: int,
        resolver: Resolver = system_resolver,
        inner: httpcore.AsyncNetworkBackend | None = None,
        shared_budget: bool = False,
    ) -> None:
        self.allowlist = list(allowlist)
        self.timeout = timeout
        self.max_response_bytes = max_response_bytes
        self.resolver = resolver
        self.inner = inner
        self._shared_budget = shared_budget
        self._deadline: float | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> Outbound:
        """As NODION_ALLOWED_OUTBOUND_NETWORKS and NODION_OUTBOUND_* say."""
        return cls(
            parse_networks(settings.allowed_registry_networks),
            timeout=settings.outbound_timeout,
            max_response_bytes=settings.outbound_max_response_bytes,
        )

    def sharing_one_budget(self) -> Outbound:
        """A copy whose checks share `timeout` between them; the clock starts
        with the first check (a request's database work does not use it up)."""
        return Outbound(
            self.allowlist,
            timeout=self.timeout,
            max_response_bytes=self.max_response_bytes,
            resolver=self.resolver,
            inner=self.inner,
            shared_budget=True,
        )

    def time_left(self) -> float:
        """Seconds the next check may take: `timeout`, or what is left of the
        shared budget (0: the check must not be started)."""
        if not self._shared_budget:
            return self.timeout
        now = time.monotonic()
        if self._deadline is None:
            self._deadline = now + self.timeout
        return max(0.0, self._deadline - now)

    def client(self, ca_certificate: str | None = None) -> httpx.AsyncClient:
        context = ssl.create_default_context()
        if ca_certificate:
            context.load_verify_locations(cadata=ca_certificate)
        transport = GuardedTransport(
            httpcore.AsyncConnectionPool(
                ssl_context=context,
                max_connections=4,
                network_backend=GuardedBackend(self.allowlist, self.resolver, self.inner),
            )
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
