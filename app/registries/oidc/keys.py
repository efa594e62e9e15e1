"""OIDC issuers' signing keys: discovery, then the JWKS, over the SSRF-guarded
outbound client, kept per issuer.

`{issuer}/.well-known/openid-configuration` names the `jwks_uri`; both are
fetched over https through `Outbound` (its allow-list governs issuers as it
does registries), trusting the publisher's private CA when it has one. A JWKS
is kept for as long as its Cache-Control allows, between a minute and an hour
(a CI logs in on every push: asking the issuer each time would make its
availability ours). A token whose `kid` the kept set lacks makes one refetch
(the issuer rotated its key), at most once a minute per issuer, so a stream of
made-up `kid`s cannot turn us into a load generator against it.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
from jwt import PyJWK, PyJWKSet
from jwt.exceptions import PyJWKSetError

from app.security.outbound import BlockedAddress, Outbound

MIN_KEEP = 60.0
MAX_KEEP = 3600.0
DEFAULT_KEEP = 300.0  # no Cache-Control max-age
REFETCH_INTERVAL = 60.0
MAX_AGE = re.compile(r"(?:^|,)\s*max-age\s*=\s*(\d+)", re.IGNORECASE)


class IssuerUnreachable(Exception):
    """The issuer's discovery document or JWKS could not be had: nobody can be
    verified, so the caller answers 503 (never a grant). The message names the
    issuer and what failed, nothing secret."""


def keep_for(cache_control: str | None) -> float:
    """Seconds a JWKS may be kept: its max-age within [MIN_KEEP, MAX_KEEP]."""
    if not cache_control:
        return DEFAULT_KEEP
    if "no-store" in cache_control.lower() or "no-cache" in cache_control.lower():
        return MIN_KEEP
    found = MAX_AGE.search(cache_control)
    if found is None:
        return DEFAULT_KEEP
    return min(MAX_KEEP, max(MIN_KEEP, float(found.group(1))))


@dataclass
class _Kept:
    keys: PyJWKSet
    fetched_at: float
    keep_until: float


class IssuerKeys:
    """One per process: the JWKS of each (issuer, CA) asked for, as above."""

    def __init__(self, outbound: Outbound, clock: Callable[[], float] = time.monotonic) -> None:
        self.outbound = outbound
        self.clock = clock
        self._kept: dict[tuple[str, str | None], _Kept] = {}
        self._locks: dict[tuple[str, str | None], asyncio.Lock] = {}

    async def key(self, issuer: str, ca_certificate: str | None, kid: str | None) -> PyJWK | None:
        """The issuer's key with this `kid` (a set of one key: that key when
        the token names none), or None when the issuer does not hold it."""
        slot = (issuer, ca_certificate)
        lock = self._locks.setdefault(slot, asyncio.Lock())
        async with lock:  # one fetch per issuer at a time; the others wait for it
            kept = self._kept.get(slot)
            now = self.clock()
            if kept is None or now >= kept.keep_until:
                kept = await self._fetch(slot)
            found = _find(kept.keys, kid)
            if found is None and now - kept.fetched_at >= REFETCH_INTERVAL:
                kept = await self._fetch(slot)  # the issuer may have rotated its key
                found = _find(kept.keys, kid)
            return found

    async def _fetch(self, slot: tuple[str, str | None]) -> _Kept:
        issuer, ca_certificate = slot
        try:
            async with self.outbound.client(ca_certificate) as client:
                discovery, _ = await self._json(
                    client, f"{issuer}/.well-known/openid-configuration"
                )
                if discovery.get("issuer", "").rstrip("/") != issuer:
                    raise IssuerUnreachable(
                        f"{issuer} published a discovery document for another issuer."
                    )
                jwks_uri = discovery.get("jwks_uri")
                if not isinstance(jwks_uri, str) or not jwks_uri.startswith("https://"):
                    raise IssuerUnreachable(f"{issuer}'s discovery document has no https jwks_uri.")
                document, cache_control = await self._json(client, jwks_uri)
        except (httpx.HTTPError, httpx.InvalidURL, BlockedAddress, OSError) as error:
            # InvalidURL: a jwks_uri (the issuer's text) httpx cannot request.
            raise IssuerUnreachable(
                f"{issuer} could not be reached for its keys ({type(error).__name__})."
            ) from None
        try:
            keys = PyJWKSet.from_dict(document)
        except (PyJWKSetError, KeyError, TypeError, ValueError):
            raise IssuerUnreachable(f"{issuer}'s JWKS holds no usable key.") from None
        now = self.clock()
        kept = _Kept(keys, now, now + keep_for(cache_control))
        self._kept[slot] = kept
        return kept

    async def _json(self, client: httpx.AsyncClient, url: str) -> tuple[dict[str, Any], str | None]:
        limit = self.outbound.max_response_bytes
        async with client.stream("GET", url, headers={"accept": "application/json"}) as response:
            body = bytearray()
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) > limit:
                    raise IssuerUnreachable(f"{url} sent more than {limit} bytes.")
        if response.status_code != 200:
            raise IssuerUnreachable(f"{url} answered HTTP {response.status_code}.")
        try:
            document = json.loads(bytes(body))
        except ValueError:
            raise IssuerUnreachable(f"{url} did not answer with JSON.") from None
        if not isinstance(document, dict):
            raise IssuerUnreachable(f"{url} did not answer with a JSON object.")
        return document, response.headers.get("cache-control")


def _find(keys: PyJWKSet, kid: str | None) -> PyJWK | None:
    if kid is None:
        return keys.keys[0] if len(keys.keys) == 1 else None
    return next((key for key in keys.keys if key.key_id == kid), None)
