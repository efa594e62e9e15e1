"""The SSRF guard: no outbound connection to an address that is not public,
unless the operator allows its network. Tests never connect outside 127.0.0.0/8
and ::1: where a refusal of another address must be shown, the connector is
replaced by one that records the attempt."""

from __future__ import annotations

import asyncio
import ipaddress

import httpcore
import httpx
import pytest

from app.registries.models import Registry
from app.security.outbound import (
    BlockedAddress,
    GuardedBackend,
    Outbound,
    parse_networks,
    permitted,
)
from tests.registries.conftest import add_custom
from tests.registries.fake_servers import http_server, silent_server, tls_context

REFUSED = [
    "10.0.0.1",
    "172.16.5.4",
    "192.168.1.1",
    "100.64.0.1",
    "169.254.169.254",
    "fe80::1",
    "fc00::1",
    "ff02::1",
    "0.0.0.0",
    "::",
    "::ffff:10.0.0.1",
    "127.0.0.1",
    "::1",
    "::ffff:127.0.0.1",
    "2002:a00:1::1",  # 6to4 carrying 10.0.0.1
    "64:ff9b::a00:1",  # NAT64 carrying 10.0.0.1
    "224.0.0.1",
    "240.0.0.1",
    "198.18.0.1",
]
ALLOWED = ["1.1.1.1", "2606:4700::1111", "8.8.8.8"]


@pytest.mark.parametrize("address", REFUSED)
def test_classifier_refuses_non_public_addresses(address):
    assert permitted(ipaddress.ip_address(address), []) is not None


@pytest.mark.parametrize("address", ALLOWED)
def test_classifier_allows_public_addresses(address):
    assert permitted(ipaddress.ip_address(address), []) is None


def test_the_allowlist_opens_only_its_networks():
    allowlist = parse_networks("10.1.0.0/16, 127.0.0.1/32")

    assert permitted(ipaddress.ip_address("10.1.2.3"), allowlist) is None
    assert permitted(ipaddress.ip_address("::ffff:10.1.2.3"), allowlist) is None
    assert permitted(ipaddress.ip_address("10.2.0.1"), allowlist) == "private"
    assert permitted(ipaddress.ip_address("127.0.0.2"), allowlist) == "loopback"


def test_a_bad_allowlist_entry_is_named():
    with pytest.raises(ValueError, match=r"'10\.0\.0\.0/33' is not a CIDR network"):
        parse_networks("10.0.0.0/8, 10.0.0.0/33")


class RecordingConnector(httpcore.AsyncNetworkBackend):
    """Stands in for the network: records where it was asked to connect, sends nothing."""

    def __init__(self) -> None:
        self.attempts: list[tuple[str, int]] = []

    async def connect_tcp(
        self,
        host,
        port,
        timeout=None,  # noqa: ASYNC109 - the interface httpcore calls
        local_address=None,
        socket_options=None,
    ):
        self.attempts.append((host, port))
        raise httpcore.ConnectError("recording connector: no network in tests")

    async def sleep(self, seconds):
        pass


def fake_dns(answers: dict[str, list[str]]):
    async def resolve(host: str, port: int) -> list[str]:
        return answers[host]

    return resolve


@pytest.mark.parametrize(
    ("host", "answer"),
    [
        ("metadata.example", ["169.254.169.254"]),
        ("intranet.example", ["10.0.0.1"]),
        ("rebind.example", ["93.184.216.34", "10.0.0.1"]),
        ("mapped.example", ["::ffff:10.0.0.1"]),
    ],
)
async def test_names_resolving_to_refused_addresses_are_never_connected(host, answer):
    connector = RecordingConnector()
    guard = GuardedBackend([], fake_dns({host: answer}), connector)

    with pytest.raises(BlockedAddress, match="resolves to a"):
        await guard.connect_tcp(host, 443)

    assert connector.attempts == []


async def test_the_connection_goes_to_the_address_that_was_checked():
    connector = RecordingConnector()
    guard = GuardedBackend([], fake_dns({"registry.example": ["93.184.216.34"]}), connector)

    with pytest.raises(httpcore.ConnectError):
        await guard.connect_tcp("registry.example", 443)

    # Pinned: the connector got the checked IP, not the name to resolve again.
    assert connector.attempts == [("93.184.216.34", 443)]


@pytest.mark.parametrize(
    ("listen_on", "hostname"),
    [
        ("127.0.0.1", "127.0.0.1:{port}"),
        ("::1", "[::1]:{port}"),
        ("127.0.0.1", "[::ffff:127.0.0.1]:{port}"),
        ("127.0.0.1", "localhost:{port}"),
    ],
)
async def test_without_the_allowlist_loopback_is_blocked_end_to_end(api, ca, listen_on, hostname):
    async with silent_server(listen_on) as target:
        result = await add_custom(api, hostname.format(port=target.port), ca.pem)

    assert result["status"] == "BLOCKED"
    assert "loopback" in result["message"]
    assert target.connections == []
    assert await Registry.filter(type="CUSTOM").count() == 0


@pytest.mark.parametrize("allowed_networks", ["127.0.0.1/32"])
@pytest.mark.parametrize("via", ["token realm", "redirect"])
async def test_a_realm_or_redirect_to_a_refused_address_is_blocked(api, ca, tmp_path, via):
    tls = tls_context(*ca.issue_server_certificate(tmp_path / "tls"))
    async with silent_server("127.0.0.2") as forbidden:
        elsewhere = f"https://127.0.0.2:{forbidden.port}"

        def reply(method, path, headers):
            if via == "redirect":
                return 307, {"Location": f"{elsewhere}/v2/"}, b""
            return 401, {"WWW-Authenticate": f'Bearer realm="{elsewhere}/token",service="x"'}, b""

        async with http_server("127.0.0.1", reply, tls) as registry:
            result = await add_custom(api, registry.address, ca.pem)

    assert result["status"] == "BLOCKED"
    assert "127.0.0.2" in result["message"]
    assert registry.connections  # the allowed registry was asked...
    assert forbidden.connections == []  # ...and the refused address never was


async def _listener() -> tuple[asyncio.Server, list[str]]:
    accepted: list[str] = []

    async def accept(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        accepted.append(writer.get_extra_info("peername")[0])
        writer.close()

    return await asyncio.start_server(accept, "127.0.0.1", 0), accepted


@pytest.mark.parametrize("allowed", [False, True])
async def test_clients_of_the_outbound_module_connect_only_where_the_guard_allows(allowed):
    """The guard is wired into every client Outbound makes: a name resolving to
    loopback is refused before any connection; with the network allowed, the
    same client does connect (so the refusal is the guard's, not a failure)."""
    server, accepted = await _listener()
    port = server.sockets[0].getsockname()[1]

    async def dns(host: str, port: int) -> list[str]:
        return ["127.0.0.1"]

    allowlist = parse_networks("127.0.0.1/32" if allowed else "")
    outbound = Outbound(allowlist, timeout=2, max_response_bytes=1024, resolver=dns)
    async with server, outbound.client() as client:
        if allowed:
            with pytest.raises(httpx.TransportError):  # connected, then no TLS: not blocked
                await client.get(f"https://registry.test:{port}/v2/")
            assert accepted == ["127.0.0.1"]
        else:
            with pytest.raises(BlockedAddress, match="loopback"):
                await client.get(f"https://registry.test:{port}/v2/")
            assert accepted == []
