"""The issuers' JWKS as IssuerKeys keeps them: fetched through the guarded
outbound client from the local test issuer, kept per Cache-Control (a minute to
an hour), refetched at most once a minute for an unknown `kid`, so a key
rotation is picked up and made-up kids cannot hammer the issuer."""

from __future__ import annotations

import pytest

from app.networks import parse_networks
from app.registries.oidc.keys import IssuerKeys, IssuerUnreachable, keep_for
from app.security.outbound import Outbound
from tests.support.oidc_issuer import OidcIssuer, running_issuer
from tests.tls_material import CertificateAuthority


@pytest.fixture(scope="module")
def issuer(tmp_path_factory) -> OidcIssuer:
    ca = CertificateAuthority.create("OIDC keys test CA")
    with running_issuer(tmp_path_factory.mktemp("issuer"), ca) as running:
        yield running


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
