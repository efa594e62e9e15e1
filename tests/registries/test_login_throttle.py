"""The login throttle of the token endpoint, through the real ASGI app: bursts are
counted, other addresses cannot lock a rightful user out, and on PostgreSQL the
counts are shared by every app instance."""

from __future__ import annotations

import asyncio
import base64
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack

import httpx
import pytest
from starlette.applications import Starlette

from app.main import create_app
from app.registries.models import REGISTRY_TOKEN
from app.registries.token_endpoint import TokenEndpoint
from app.security.keys import ServiceKeys
from app.settings import Settings
from tests.graphql_documents import GENERATE_CREDENTIALS, create_project, default_registry

EU = "registry.eu-central.nodion.net"
LIMITS = {
    "auth_max_failures_per_address": 30,
    "auth_max_failures_per_address_and_username": 10,
    "auth_max_failures_per_username": 20,
    "auth_max_pending_logins_per_address": 16,
}


def basic(username: str, token: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{username}:{token}".encode()).decode()}


def wrong_token() -> str:
    """Well formed (its checksum is right), so the endpoint looks it up in the database."""
    return REGISTRY_TOKEN.new()


async def login(http: httpx.AsyncClient, username: str, token: str, **headers: str) -> int:
    response = await http.get(
        "/registry/token", params={"service": EU}, headers={**basic(username, token), **headers}
    )
    return response.status_code


@pytest.fixture
def throttle_settings(settings: Settings) -> Settings:
    return settings.model_copy(update={**LIMITS, "auth_username_failure_delay": 0})


@pytest.fixture
async def clients(
    database: str, throttle_settings: Settings, keys: ServiceKeys, outbound
) -> AsyncIterator[Callable[..., httpx.AsyncClient]]:
    """Clients of one app, each from the client address it is made for."""
    app = create_app(throttle_settings, keys, outbound=outbound, manage_database=False)
    async with AsyncExitStack() as stack:

        def make(address: str, target=app) -> httpx.AsyncClient:
            transport = httpx.ASGITransport(app=target, client=(address, 40_000))
            client = httpx.AsyncClient(transport=transport, base_url="http://testserver")
            stack.push_async_callback(client.aclose)
            return client

        yield make


@pytest.fixture
async def victim(api) -> tuple[str, str]:
    """Username and token of a NODION registry's generated credentials."""
    project = await create_project(api, "Victim")
    made = await api(GENERATE_CREDENTIALS, {"id": default_registry(project)["id"]})
    credentials = made["generateCredentials"]["credentials"]
    return credentials["username"], credentials["token"]


async def test_a_burst_of_concurrent_bad_logins_is_counted(clients, victim):
    username, _ = victim
    attacker = clients("127.0.0.2")

    statuses = await asyncio.gather(
        *(login(attacker, username, wrong_token()) for _ in range(1000))
    )

    # At most 16 reach the lookup at once, and 10 failures lock the address for
    # this username: what gets through is bounded by the two together.
    assert 10 <= Counter(statuses)[401] <= 10 + 16
    assert Counter(statuses)[429] == 1000 - Counter(statuses)[401]


async def test_a_burst_over_many_usernames_hits_the_address_limit(clients, victim):
    attacker = clients("127.0.0.2")

    statuses = await asyncio.gather(
        *(login(attacker, f"user{n}", wrong_token()) for n in range(200))
    )

    assert 16 <= Counter(statuses)[401] <= 30 + 16
    assert Counter(statuses)[429] == 200 - Counter(statuses)[401]


async def test_failures_from_other_addresses_never_refuse_the_right_token(clients, victim):
    username, token = victim
    attackers = [clients("127.0.0.2"), clients("127.0.0.3")]
    rightful = clients("127.0.0.1")

    victim_statuses, attacker_statuses = [], []
    for _ in range(5):
        for attacker in attackers:
            for _ in range(8):
                attacker_statuses.append(await login(attacker, username, wrong_token()))
        victim_statuses.append(await login(rightful, username, token))

    assert victim_statuses == [200] * 5
    # Each attacker address locks itself for this username after 10 tries.
    assert Counter(attacker_statuses) == {401: 20, 429: 60}


async def test_failures_for_a_username_slow_down_only_wrong_answers(
    database: str, throttle_settings: Settings, keys: ServiceKeys, outbound, clients, victim
):
    username, token = victim
    delay = 2.0
    slowing = create_app(
        throttle_settings.model_copy(update={"auth_username_failure_delay": delay}),
        keys,
        outbound=outbound,
        manage_database=False,
    )
    for number in range(20):  # 20 addresses, one failure each: no address is locked
        client = clients(f"127.0.1.{number}", target=slowing)
        assert await login(client, username, wrong_token()) == 401

    async def timed(address: str, secret: str) -> tuple[int, float]:
        started = time.monotonic()
        status = await login(clients(address, target=slowing), username, secret)
        return status, time.monotonic() - started

    # Side by side: the right token does not wait behind the delayed wrong one.
    (slowed, slow_seconds), (rightful, fast_seconds) = await asyncio.gather(
        timed("127.0.2.1", wrong_token()), timed("127.0.0.1", token)
    )

    assert (slowed, rightful) == (401, 200)
    # An answer the delay applies to takes at least `delay`, however fast the machine;
    # the right token's answer (typically a few milliseconds) is not one of them.
    assert slow_seconds >= delay
    assert fast_seconds < delay


async def test_the_right_token_does_not_count_as_a_failure(clients, victim):
    username, token = victim
    ci = clients("127.0.0.5")

    statuses = [await login(ci, username, token) for _ in range(40)]
    # Concurrent right logins up to the pending limit, more than the failure limit.
    concurrent = await asyncio.gather(*(login(ci, username, token) for _ in range(16)))

    assert statuses == [200] * 40
    assert concurrent == [200] * 16


async def test_two_app_instances_share_the_counts_on_postgresql(
    database: str, throttle_settings: Settings, keys: ServiceKeys, outbound, clients, victim
):
    """On PostgreSQL every worker and host counts in the database; on SQLite each
    process counts for itself (docs/operating.md says so)."""
    username, _ = victim
    apps = [
        create_app(throttle_settings, keys, outbound=outbound, manage_database=False)
        for _ in range(2)
    ]
    workers = [clients("127.0.0.2", target=app) for app in apps]

    statuses = [await login(workers[n % 2], username, wrong_token()) for n in range(24)]

    if database.startswith("sqlite"):
        assert Counter(statuses) == {401: 20, 429: 4}  # 10 per process
    else:
        assert Counter(statuses) == {401: 10, 429: 14}  # 10 in all


async def test_forwarded_for_is_believed_only_from_configured_proxies(
    database: str, throttle_settings: Settings, keys: ServiceKeys, outbound, clients, victim
):
    username, _ = victim
    proxied = create_app(
        throttle_settings.model_copy(update={"trusted_proxies": "127.0.0.9/32"}),
        keys,
        outbound=outbound,
        manage_database=False,
    )
    direct = clients("127.0.0.2")
    proxy = clients("127.0.0.9", target=proxied)

    # A client that is not a proxy cannot pose as many addresses.
    spoofed = [
        await login(direct, username, wrong_token(), **{"X-Forwarded-For": f"192.0.2.{n}"})
        for n in range(12)
    ]
    # Through the configured proxy, each client address counts for itself.
    forwarded = [
        await login(proxy, username, wrong_token(), **{"X-Forwarded-For": f"1.2.3.4, 192.0.2.{n}"})
        for n in range(12)
    ]
    # The proxy's own address is never what is counted.
    same_client = [
        await login(proxy, username, wrong_token(), **{"X-Forwarded-For": "192.0.2.200"})
        for _ in range(11)
    ]

    assert spoofed == [401] * 10 + [429] * 2
    assert forwarded == [401] * 12
    assert same_client == [401] * 10 + [429]


class StuckLookups:
    """A credential lookup that raises, or never answers, as one does while the
    database is down or unreachable."""

    def __init__(self, error: BaseException | None = None) -> None:
        self.error = error
        self.entered = asyncio.Event()

    async def __call__(self, username: str, token: str, service: str, pepper: bytes):
        self.entered.set()
        if self.error is not None:
            raise self.error
        await asyncio.Event().wait()  # only a cancellation or a timeout ends it


def endpoint_with(throttle_settings: Settings, keys: ServiceKeys, lookup: StuckLookups):
    endpoint = TokenEndpoint(throttle_settings, keys, verifiers={REGISTRY_TOKEN: lookup})
    transport = httpx.ASGITransport(app=Starlette(routes=endpoint.routes()))
    return endpoint, httpx.AsyncClient(transport=transport, base_url="http://testserver")


async def test_a_lookup_that_raises_hands_its_slot_back(database, throttle_settings, keys):
    endpoint, http = endpoint_with(throttle_settings, keys, StuckLookups(ConnectionError("down")))
    async with http:
        for _ in range(3 * LIMITS["auth_max_pending_logins_per_address"]):
            with pytest.raises(ConnectionError):
                await login(http, "user", wrong_token())

    assert len(endpoint.throttle.pending) == 0


@pytest.mark.parametrize("way_out", ["cancelled", "timed out"])
async def test_a_login_cancelled_or_timed_out_in_its_lookup_hands_its_slot_back(
    database, throttle_settings, keys, way_out
):
    lookup = StuckLookups()
    endpoint, http = endpoint_with(throttle_settings, keys, lookup)

    async def log_in_within(deadline: asyncio.Timeout) -> int:
        async with deadline:
            return await login(http, "user", wrong_token())

    async with http:
        deadline = asyncio.timeout(None)
        logging_in = asyncio.create_task(log_in_within(deadline))
        await lookup.entered.wait()
        assert len(endpoint.throttle.pending) == 1
        if way_out == "cancelled":
            logging_in.cancel()
            with pytest.raises(asyncio.CancelledError):
                await logging_in
        else:
            deadline.reschedule(asyncio.get_running_loop().time())  # due now
            with pytest.raises(TimeoutError):
                await logging_in

    assert len(endpoint.throttle.pending) == 0
