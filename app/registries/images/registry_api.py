"""The service's own client of a managed registry's Registry v2 API: catalog,
tags, manifests and deletes, with bearer tokens it mints for itself.

The API's address is operator configuration (`api_url` in NODION_REGIONS),
trusted like the database URL and never taken from a user, so this client is
not the SSRF-guarded one third-party registries get. The scopes it mints
(`registry:catalog:*`, delete) are never granted to any user credential: the
token endpoint only ever grants `repository` scopes (token_auth.grant)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx

from app.registries.images.notifications import MANIFEST_MEDIA_TYPES
from app.registries.settings import RegistriesSettings
from app.registries.token_auth import issue_token
from app.security.keys import ServiceKeys
from app.settings import Region, Settings

SERVICE_SUBJECT = "nodion-service"
TOKEN_TTL = 120
PAGE = 1000
MAX_PAGES = 1000
ACCEPT = ", ".join(sorted(MANIFEST_MEDIA_TYPES))
MAX_MANIFEST_BYTES = 4 * 1024 * 1024


class RegistryApiError(Exception):
    """The registry did not answer as the API says (message safe to show)."""


@dataclass(frozen=True)
class Manifest:
    digest: str
    media_type: str
    size_bytes: int


def manifest_size(document: Any) -> int:
    """Config plus layers (an image); the manifests' own sizes (an index)."""
    if not isinstance(document, dict):
        return 0
    parts: list[Any] = []
    if isinstance(document.get("config"), dict):
        parts.append(document["config"])
    for key in ("layers", "manifests"):
        if isinstance(document.get(key), list):
            parts.extend(document[key])
    return sum(
        part["size"]
        for part in parts
        if isinstance(part, dict) and isinstance(part.get("size"), int) and part["size"] >= 0
    )


class RegistryApi:
    def __init__(
        self,
        settings: Settings,
        keys: ServiceKeys,
        region: Region,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.settings = settings
        self.keys = keys
        self.region = region
        self.base = settings.registry_api_url(region)
        self.client = httpx.AsyncClient(
            timeout=settings.outbound_timeout, transport=transport, follow_redirects=False
        )

    async def __aenter__(self) -> RegistryApi:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.client.aclose()

    def _token(self, access: list[dict[str, Any]]) -> str:
        return issue_token(
            self.keys.signer,
            issuer=RegistriesSettings.of(self.settings).token_issuer,
            subject=SERVICE_SUBJECT,
            audience=self.settings.registry_hostname(self.region.slug),
            access=access,
            ttl=TOKEN_TTL,
        ).token

    def _repository_token(self, repository: str, actions: list[str]) -> dict[str, str]:
        token = self._token([{"type": "repository", "name": repository, "actions": actions}])
        return {"Authorization": f"Bearer {token}"}

    async def _send(self, method: str, path: str, headers: dict[str, str]) -> httpx.Response:
        try:
            return await self.client.request(method, self.base + path, headers=headers)
        except httpx.HTTPError as error:
            raise RegistryApiError(
                f"the registry of {self.region.slug} did not answer ({type(error).__name__})"
            ) from None

    def _refused(self, response: httpx.Response, what: str) -> RegistryApiError:
        return RegistryApiError(
            f"the registry of {self.region.slug} answered {response.status_code} to {what}"
        )

    async def catalog(self) -> list[str]:
        token = self._token([{"type": "registry", "name": "catalog", "actions": ["*"]}])
        headers = {"Authorization": f"Bearer {token}"}
        names: list[str] = []
        last = ""
        for _ in range(MAX_PAGES):
            query = f"?n={PAGE}" + (f"&last={quote(last, safe='')}" if last else "")
            response = await self._send("GET", f"/v2/_catalog{query}", headers)
            if response.status_code != 200:
                raise self._refused(response, "a catalog listing")
            page = _json(response).get("repositories") or []
            names.extend(name for name in page if isinstance(name, str))
            if "next" not in response.headers.get("link", "") or not page:
                break
            last = names[-1]
        return names

    async def tags(self, repository: str) -> list[str]:
        headers = self._repository_token(repository, ["pull"])
        response = await self._send("GET", f"/v2/{repository}/tags/list", headers)
        if response.status_code == 404:  # a repository whose every tag was deleted
            return []
        if response.status_code != 200:
            raise self._refused(response, f"the tags of {repository}")
        tags = _json(response).get("tags") or []
        return [tag for tag in tags if isinstance(tag, str)]

    async def manifest(self, repository: str, reference: str) -> Manifest | None:
        headers = {**self._repository_token(repository, ["pull"]), "Accept": ACCEPT}
        response = await self._send("GET", f"/v2/{repository}/manifests/{reference}", headers)
        if response.status_code == 404:
            return None
        if response.status_code != 200 or len(response.content) > MAX_MANIFEST_BYTES:
            raise self._refused(response, f"the manifest {repository}:{reference}")
        digest = response.headers.get("docker-content-digest", "")
        media_type = response.headers.get("content-type", "").split(";", 1)[0].strip()
        return Manifest(digest, media_type, manifest_size(_json(response)))

    async def delete_manifest(self, repository: str, digest: str) -> bool:
        """False: the registry has no such manifest (any more)."""
        headers = self._repository_token(repository, ["pull", "push", "delete"])
        response = await self._send("DELETE", f"/v2/{repository}/manifests/{digest}", headers)
        if response.status_code == 404:
            return False
        if response.status_code not in (200, 202):
            raise self._refused(response, f"deleting {repository}@{digest}")
        return True


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        value = json.loads(response.content)
    except ValueError:
        raise RegistryApiError("the registry answered with something that is not JSON") from None
    return value if isinstance(value, dict) else {}
