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

Requests that need an issuer's keys at the same time share one fetch, and a
fetch that failed is remembered for FAILED_FETCH_KEPT (15 s): during an
issuer's outage, or while it answers too slowly, requests are answered at once
(503) instead of each waiting out its own timeout behind the previous one's
(5 parallel exchanges took 5, 10, 15, 20 and 25 s). 15 s: longer than a burst
of parallel CI jobs, shorter than the 30 s Retry-After the 503 sends.

A key is only used if it is strong enough: RSA of at least 2048 bits, EC on
P-256 (what ES256 means); a weaker key an issuer publishes is refused by name.
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
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt import PyJWK, PyJWKSet
from jwt.exceptions import PyJWKSetError

from app.security.outbound import BlockedAddress, Outbound

MIN_KEEP = 60.0
MAX_KEEP = 3600.0
DEFAULT_KEEP = 300.0  # no Cache-Control max-age
REFETCH_INTERVAL = 60.0
FAILED_FETCH_KEPT = 15.0
MIN_RSA_BITS = 2048
MAX_AGE = re.compile(r"(?:^|,)\s*max-age\s*=\s*(\d+)", re.IGNORECASE)


class IssuerUnreachable(Exception):
    """The issuer's discovery document or JWKS could not be had: nobody can be
    verified, so the caller answers 503 (never a grant). The message names the
    issuer and what failed, nothing secret."""


class WeakKey(Exception):
    """The issuer publishes the key a token names, but it is too weak to trust
    (a 401: a token signed with it proves nothing). The message names it."""


def check_strength(issuer: str, key: PyJWK) -> None:
    public = key.key
    kid = str(key.key_id)[:64] if key.key_id is not None else "(no kid)"
    if isinstance(public, rsa.RSAPublicKey | rsa.RSAPrivateKey) and public.key_size < MIN_RSA_BITS:
        raise WeakKey(
            f"{issuer}'s key {kid!r} is RSA of {public.key_size} bits; keys below "
            f"{MIN_RSA_BITS} bits are refused. The issuer has to sign with a stronger key."
        )
    if isinstance(public, ec.EllipticCurvePublicKey | ec.EllipticCurvePrivateKey) and not (
        isinstance(public.curve, ec.SECP256R1)
    ):
        raise WeakKey(
            f"{issuer}'s key {kid!r} is on curve {public.curve.name}; only P-256 (ES256) "
            "keys are accepted."
        )


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


@dataclass
class _Failed:
    error: IssuerUnreachable
    until: float


Slot = tuple[str, str | None]  # (issuer, the publisher's CA certificate)


class IssuerKeys:
    """One per process: the JWKS of each (issuer, CA) asked for, as above."""

    def __init__(self, outbound: Outbound, clock: Callable[[], float] = time.monotonic) -> None:
        self.outbound = outbound
        self.clock = clock
        self._kept: dict[Slot, _Kept] = {}
        self._failed: dict[Slot, _Failed] = {}
        self._fetching: dict[Slot, asyncio.Task[_Kept]] = {}
        self.fetches = 0  # fetches started (tests count them)

    async def key(self, issuer: str, ca_certificate: str | None, kid: str | None) -> PyJWK | None:
        """The issuer's key with this `kid` (a set of one key: that key when
        the token names none), or None when the issuer does not hold it.
        Raises IssuerUnreachable, or WeakKey for a key too weak to trust."""
        slot = (issuer, ca_certificate)
        kept = self._kept.get(slot)
        now = self.clock()
        if kept is None or now >= kept.keep_until:
            kept = await self._shared_fetch(slot)
        found = _find(kept.keys, kid)
        if found is None and now - kept.fetched_at >= REFETCH_INTERVAL:
            kept = await self._shared_fetch(slot)  # the issuer may have rotated its key
            found = _find(kept.keys, kid)
        if found is not None:
            check_strength(issuer, found)
        return found

    async def _shared_fetch(self, slot: Slot) -> _Kept:
        """The fetch in flight for `slot`, else a new one, else the failure of
        the last one while it is remembered."""
        failed = self._failed.get(slot)
        if failed is not None and self.clock() < failed.until:
            raise IssuerUnreachable(str(failed.error))
        task = self._fetching.get(slot)
        if task is None:
            self.fetches += 1
            task = asyncio.create_task(self._fetch(slot))
            self._fetching[slot] = task
            task.add_done_callback(lambda done: self._fetched(slot, done))
        # Shielded: a request that gives up (its client went away) does not
        # cancel the fetch the others wait for.
        return await asyncio.shield(task)

    def _fetched(self, slot: Slot, task: asyncio.Task[_Kept]) -> None:
        self._fetching.pop(slot, None)
        if not task.cancelled():
            task.exception()  # retrieved: every waiter may have given up

    async def _fetch(self, slot: Slot) -> _Kept:
        try:
            kept = await self._download(slot)
        except IssuerUnreachable as error:
            self._failed[slot] = _Failed(error, self.clock() + FAILED_FETCH_KEPT)
            raise
        self._failed.pop(slot, None)
        self._kept[slot] = kept
        return kept

    async def _download(self, slot: Slot) -> _Kept:
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
        return _Kept(keys, now, now + keep_for(cache_control))

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
