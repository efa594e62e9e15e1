"""The issuers' JWKS as IssuerKeys keeps them: fetched through the guarded
outbound client from the local test issuer, kept per Cache-Control (a minute to
an hour), refetched at most once a minute for an unknown `kid`, so a key
rotation is picked up and made-up kids cannot hammer the issuer."""

from __future__ import annotations

import asyncio
import socket
import threading
import warnings

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from app.networks import parse_networks
from app.registries.models import PublisherProvider, TrustedPublisher
from app.registries.oidc.keys import (
    FAILED_FETCH_KEPT,
    IssuerKeys,
    IssuerUnreachable,
    WeakKey,
    keep_for,
)
from app.registries.oidc.verification import Refused, verify
from app.security.outbound import Outbound
from tests.support.oidc_issuer import SigningKey


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def outbound(allowed: str = "127.0.0.0/8") -> Outbound:
    return Outbound(parse_networks(allowed), timeout=3, max_response_bytes=65_536)


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        (None, 300),
        ("max-age=120", 120),
        ("public, max-age=86400", 3600),
        ("max-age=5", 60),
        ("no-store", 60),
    ],
)
def test_cache_control_decides_how_long_within_a_minute_and_an_hour(header, seconds):
    assert keep_for(header) == seconds


async def test_a_rotated_key_is_found_by_one_refetch_a_minute_at_most(issuer):
    clock = Clock()
    keys = IssuerKeys(outbound(), clock)
    issuer.cache_control = "max-age=3600"
    first = issuer.jwks_requests
    assert (await keys.key(issuer.url, issuer.ca_pem, issuer.key("RS256").kid)) is not None
    assert (await keys.key(issuer.url, issuer.ca_pem, issuer.key("ES256").kid)) is not None
    assert issuer.jwks_requests == first + 1  # kept
    new = issuer.rotate()  # mid-test: the JWKS now holds another RSA key
    clock.now += 10
    assert await keys.key(issuer.url, issuer.ca_pem, new.kid) is None  # refetched < 1 min ago
    for made_up in ("a", "b", "c"):
        assert await keys.key(issuer.url, issuer.ca_pem, made_up) is None
    assert issuer.jwks_requests == first + 1
    clock.now += 51
    found = await keys.key(issuer.url, issuer.ca_pem, new.kid)
    assert found is not None and found.algorithm_name == "RS256"
    assert issuer.jwks_requests == first + 2
    assert await keys.key(issuer.url, issuer.ca_pem, "made-up") is None
    assert issuer.jwks_requests == first + 2


async def test_the_set_is_fetched_again_when_its_max_age_ends(issuer):
    clock = Clock()
    keys = IssuerKeys(outbound(), clock)
    issuer.cache_control = "max-age=120"
    kid = issuer.key("ES256").kid
    first = issuer.jwks_requests
    await keys.key(issuer.url, issuer.ca_pem, kid)
    clock.now += 119
    await keys.key(issuer.url, issuer.ca_pem, kid)
    assert issuer.jwks_requests == first + 1
    clock.now += 2
    await keys.key(issuer.url, issuer.ca_pem, kid)
    assert issuer.jwks_requests == first + 2
    issuer.cache_control = "max-age=3600"


async def test_the_issuer_is_reached_only_through_the_guard_and_its_ca(issuer):
    # Loopback not allowed: refused before any connection.
    with pytest.raises(IssuerUnreachable):
        await IssuerKeys(outbound(allowed="")).key(issuer.url, issuer.ca_pem, None)
    # Without the publisher's CA the issuer's certificate is not trusted.
    with pytest.raises(IssuerUnreachable):
        await IssuerKeys(outbound()).key(issuer.url, None, None)


@pytest.mark.parametrize("url", ["https://127.0.0.1:x", "https://127.0.0.1/\x00"])
async def test_an_issuer_url_httpx_cannot_request_is_unreachable_not_a_500(url):
    # An issuer stored before such URLs were refused, or a jwks_uri an issuer
    # names: httpx.InvalidURL (no HTTPError) escaped as a 500 on every exchange.
    with pytest.raises(IssuerUnreachable):
        await IssuerKeys(outbound()).key(url, None, None)


class SilentServer:
    """Accepts TCP connections on 127.0.0.1 and never answers: an issuer too
    slow to reply within the outbound timeout. Counts the connections."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"https://127.0.0.1:{self.listener.getsockname()[1]}"
        self.connections: list[socket.socket] = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            self.connections.append(connection)

    def close(self) -> None:
        self.listener.close()
        for connection in self.connections:
            connection.close()


@pytest.fixture
def silent() -> SilentServer:
    server = SilentServer()
    yield server
    server.close()


async def test_parallel_requests_for_a_silent_issuer_share_one_fetch_and_its_failure(silent):
    """Issue 30: 5 parallel exchanges for a slow issuer were answered after 5,
    10, 15, 20 and 25 s, each fetching after the previous one failed."""
    clock = Clock()
    keys = IssuerKeys(
        Outbound(parse_networks("127.0.0.0/8"), timeout=0.5, max_response_bytes=65_536), clock
    )

    answers = await asyncio.gather(
        *(keys.key(silent.url, None, "kid") for _ in range(5)), return_exceptions=True
    )

    assert all(isinstance(answer, IssuerUnreachable) for answer in answers), answers
    assert len(silent.connections) == 1
    # Remembered: the next request is answered without asking the issuer again...
    with pytest.raises(IssuerUnreachable, match="could not be reached"):
        await keys.key(silent.url, None, "kid")
    assert (len(silent.connections), keys.fetches) == (1, 1)
    # ...until FAILED_FETCH_KEPT has passed.
    clock.now += FAILED_FETCH_KEPT
    with pytest.raises(IssuerUnreachable):
        await keys.key(silent.url, None, "kid")
    assert (len(silent.connections), keys.fetches) == (2, 2)


async def test_a_request_that_gives_up_does_not_cancel_the_fetch_others_wait_for(issuer):
    keys = IssuerKeys(outbound(), Clock())
    kid = issuer.key("ES256").kid
    first = asyncio.create_task(keys.key(issuer.url, issuer.ca_pem, kid))
    second = asyncio.create_task(keys.key(issuer.url, issuer.ca_pem, kid))
    await asyncio.sleep(0)  # both are waiting for the one fetch
    first.cancel()

    found = await second

    assert found is not None and found.key_id == kid
    assert keys.fetches == 1


def weak_keys() -> list[SigningKey]:
    return [
        SigningKey(
            "rsa-1024", "RS256", rsa.generate_private_key(public_exponent=65537, key_size=1024)
        ),
        SigningKey("ec-p384", "ES256", ec.generate_private_key(ec.SECP384R1())),
    ]


@pytest.mark.parametrize(
    ("kid", "says"),
    [
        ("rsa-1024", "is RSA of 1024 bits; keys below 2048 bits are refused"),
        ("ec-p384", "is on curve secp384r1; only P-256 (ES256) keys are accepted"),
    ],
)
async def test_a_weak_key_of_the_issuer_is_refused_by_name(issuer, kid, says):
    strong = list(issuer.keys)
    issuer.keys = [*strong, *weak_keys()]
    try:
        keys = IssuerKeys(outbound(), Clock())
        with pytest.raises(WeakKey) as refused:
            await keys.key(issuer.url, issuer.ca_pem, kid)
        # The strong keys of the same set are still used.
        assert await keys.key(issuer.url, issuer.ca_pem, strong[0].kid) is not None
    finally:
        issuer.keys = strong
    assert str(refused.value) == f"{issuer.url}'s key {kid!r} {says}" + (
        ". The issuer has to sign with a stronger key." if kid == "rsa-1024" else "."
    )


async def test_a_token_signed_with_a_weak_key_is_refused_naming_the_key(issuer):
    weak = weak_keys()[0]
    issuer.keys = [*issuer.keys, weak]
    publisher = TrustedPublisher(
        id=1,
        registry_id=1,
        provider=PublisherProvider.CUSTOM_OIDC,
        issuer=issuer.url,
        audience="registry.eu-central.nodion.net",
        ca_certificate=issuer.ca_pem,
        conditions={"sub": "repo:octo/app:environment:production"},
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PyJWT warns of the short key it signs with
        token = issuer.sign(issuer.github_claims("registry.eu-central.nodion.net"), key=weak)
    try:
        with pytest.raises(Refused) as refused:
            await verify(
                token,
                "registry.eu-central.nodion.net",
                [publisher],
                IssuerKeys(outbound(), Clock()),
            )
    finally:
        issuer.keys.remove(weak)
    assert refused.value.status == 401
    assert "'rsa-1024' is RSA of 1024 bits" in refused.value.message
