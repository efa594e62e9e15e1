"""A small Docker Registry v2 / OCI distribution client, for verification only.

`GET /v2/` → on 401, parse the challenge (Bearer realm/service/scope, or Basic)
→ fetch a token with the stored credentials, or anonymously → retry. Every
connection is made through the SSRF guard (app/security/outbound.py); the
credentials are only sent to the registry's host and to the realm its
challenge names (httpx drops them on a redirect to another origin).
"""

from __future__ import annotations

import asyncio
import base64
import json
import re
import ssl
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import httpx

from app.registries.statuses import CheckStatus
from app.security.outbound import BlockedAddress, Outbound

MANIFEST_TYPES = ", ".join(
    (
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.docker.distribution.manifest.v2+json",
    )
)
CHALLENGE_PARAM = re.compile(r'(\w+)=(?:"([^"]*)"|([^,\s]*))')


@dataclass(frozen=True)
class Outcome:
    """What happened, and what to do about it."""

    status: CheckStatus
    message: str
    digest: str | None = None


class _Stop(Exception):
    def __init__(self, status: CheckStatus, message: str) -> None:
        super().__init__(status)
        self.outcome = Outcome(status, message)


def parse_challenge(header: str) -> tuple[str, dict[str, str]] | None:
    scheme, _, rest = header.strip().partition(" ")
    if scheme.lower() not in ("bearer", "basic"):
        return None
    params = {key.lower(): quoted or bare for key, quoted, bare in CHALLENGE_PARAM.findall(rest)}
    return scheme.lower(), params


def _caused_by_tls(error: BaseException) -> bool:
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, ssl.SSLError) or "CERTIFICATE_VERIFY_FAILED" in str(seen):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


class RegistryClient:
    def __init__(
        self,
        outbound: Outbound,
        api_host: str,
        credentials: tuple[str, str] | None,
        ca_certificate: str | None = None,
    ) -> None:
        self.outbound = outbound
        self.host = api_host
        self.credentials = credentials
        self.ca_certificate = ca_certificate

    async def verify(self) -> Outcome:
        return await self._run(self._verify)

    async def check_image(self, name: str, reference: str) -> Outcome:
        """`name` as the registry's API knows it (see Provider.api_repository)."""
        return await self._run(lambda client: self._check_image(client, name, reference))

    async def _run(self, probe: Callable[[httpx.AsyncClient], Awaitable[Outcome]]) -> Outcome:
        host = self.host
        seconds = self.outbound.time_left()
        if seconds <= 0:
            # The request's checks used up their shared time: not started at all.
            return Outcome(
                CheckStatus.TIMEOUT,
                f"{host} was not checked: this request's registry checks used up their "
                f"{self.outbound.timeout:g} seconds (NODION_OUTBOUND_TIMEOUT, for all the "
                "checks of one request); check it in a request of its own.",
            )
        try:
            async with (
                asyncio.timeout(seconds),
                self.outbound.client(self.ca_certificate) as client,
            ):
                return await probe(client)
        except _Stop as stop:
            return stop.outcome
        except BlockedAddress as blocked:
            return Outcome(
                CheckStatus.BLOCKED,
                f"Nodion does not connect there: {blocked}. A registry "
                "must be reachable on the public internet over https.",
            )
        except (httpx.InvalidURL, UnicodeError):
            # Hostnames are checked before they are saved (app/registries/hostnames.py);
            # this is the net under that check, so no caller ever sees a crash.
            return Outcome(
                CheckStatus.UNREACHABLE,
                f"{host!r} is not a hostname Nodion can connect to; check the hostname.",
            )
        except (TimeoutError, httpx.TimeoutException):
            return Outcome(
                CheckStatus.TIMEOUT,
                f"{host} did not answer within "
                f"{round(seconds, 1):g} seconds; check the hostname and port.",
            )
        except (httpx.TooManyRedirects, httpx.RemoteProtocolError, httpx.DecodingError):
            return Outcome(
                CheckStatus.NOT_A_REGISTRY,
                f"{host} does not speak the Docker Registry v2 API; check the hostname.",
            )
        except (httpx.TransportError, OSError) as error:
            if _caused_by_tls(error):
                return Outcome(
                    CheckStatus.TLS_ERROR,
                    f"The TLS certificate of {host} is not trusted for "
                    "this name. For a private CA, add its certificate as "
                    "caCertificate.",
                )
            return Outcome(
                CheckStatus.UNREACHABLE,
                f"Could not connect to {host}; check the hostname "
                "and port, and that the registry is reachable from the internet.",
            )

    async def _verify(self, client: httpx.AsyncClient) -> Outcome:
        response, _ = await self._authorized(client, "GET", "/v2/", scope=None)
        looks_like_registry = response.headers.get(
            "docker-distribution-api-version", ""
        ).startswith("registry/2") or "json" in response.headers.get("content-type", "")
        if response.status_code == 200 and looks_like_registry:
            who = "the credentials work" if self.credentials else "anonymous pulls work"
            return Outcome(CheckStatus.OK, f"Connected to {self.host}; {who}.")
        if response.status_code >= 500:
            return Outcome(
                CheckStatus.UNREACHABLE,
                f"{self.host} answered HTTP {response.status_code}; try again later.",
            )
        return Outcome(
            CheckStatus.NOT_A_REGISTRY,
            f"https://{self.host}/v2/ does not answer like a "
            f"Docker Registry v2 API (HTTP {response.status_code}); check the hostname.",
        )

    async def _check_image(self, client: httpx.AsyncClient, name: str, reference: str) -> Outcome:
        response, _ = await self._authorized(
            client,
            "HEAD",
            f"/v2/{name}/manifests/{reference}",
            scope=f"repository:{name}:pull",
            headers={"Accept": MANIFEST_TYPES},
        )
        if response.status_code == 200:
            digest = response.headers.get("docker-content-digest")
            return Outcome(CheckStatus.FOUND, f"{name}:{reference} exists.", digest)
        if response.status_code == 404:
            return Outcome(
                CheckStatus.NOT_FOUND,
                f"{name}:{reference} does not exist on {self.host}; check the image name and tag.",
            )
        return Outcome(
            CheckStatus.NOT_A_REGISTRY,
            f"{self.host} answered HTTP {response.status_code} for the image manifest.",
        )

    async def _request(
        self, client: httpx.AsyncClient, method: str, url: str, headers: dict[str, str]
    ) -> tuple[httpx.Response, bytes]:
        limit = self.outbound.max_response_bytes
        async with client.stream(method, url, headers=headers) as response:
            body = bytearray()
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) > limit:
                    raise _Stop(
                        CheckStatus.NOT_A_REGISTRY,
                        f"{self.host} sent more than {limit} bytes "
                        "where a registry sends a few; check the hostname.",
                    )
        return response, bytes(body)

    def _basic(self) -> dict[str, str]:
        if self.credentials is None:
            return {}
        pair = ":".join(self.credentials).encode()
        return {"Authorization": "Basic " + base64.b64encode(pair).decode()}

    def _unauthorized(self) -> _Stop:
        if self.credentials:
            return _Stop(
                CheckStatus.UNAUTHORIZED,
                f"{self.host} rejected these credentials; check the "
                "username and that the token has read access.",
            )
        return _Stop(
            CheckStatus.UNAUTHORIZED,
            f"{self.host} requires credentials; add a username and a token with read access.",
        )

    async def _authorized(
        self,
        client: httpx.AsyncClient,
        method: str,
        path: str,
        scope: str | None,
        headers: dict[str, str] | None = None,
    ) -> tuple[httpx.Response, bytes]:
        url = f"https://{self.host}{path}"
        headers = headers or {}
        response, body = await self._request(client, method, url, headers)
        if response.status_code != 401:
            return response, body
        challenge = parse_challenge(response.headers.get("www-authenticate", ""))
        if challenge is None:
            raise _Stop(
                CheckStatus.NOT_A_REGISTRY,
                f"{self.host} answers 401 without a registry's "
                "authentication challenge; check the hostname.",
            )
        scheme, params = challenge
        if scheme == "basic":
            if self.credentials is None:
                raise self._unauthorized()
            authorization = self._basic()
        else:
            token = await self._bearer_token(client, params, scope or params.get("scope"))
            authorization = {"Authorization": f"Bearer {token}"}
        response, body = await self._request(client, method, url, {**headers, **authorization})
        if response.status_code in (401, 403):
            raise self._unauthorized()
        return response, body

    async def _bearer_token(
        self, client: httpx.AsyncClient, params: dict[str, str], scope: str | None
    ) -> str:
        realm = params.get("realm", "")
        if not realm.startswith("https://"):
            raise BlockedAddress(f"the token realm of {self.host} is not an https URL")
        query = {
            key: value
            for key, value in (("service", params.get("service")), ("scope", scope))
            if value
        }
        response, body = await self._request(
            client, "GET", str(httpx.URL(realm, params=query)), self._basic()
        )
        if response.status_code in (401, 403):
            raise self._unauthorized()
        try:
            answer = json.loads(body)
            return str(answer.get("token") or answer["access_token"])
        except (ValueError, KeyError, AttributeError):
            raise _Stop(
                CheckStatus.NOT_A_REGISTRY,
                f"The token service of {self.host} did not answer with a token.",
            ) from None
