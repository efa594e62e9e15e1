"""What each registry type means to a user adding one."""

from __future__ import annotations

from dataclasses import dataclass

from app.registries.models import RegistryType


@dataclass(frozen=True)
class Provider:
    type: RegistryType
    display_name: str
    default_hostname: str | None
    hostname_required: bool


PROVIDERS = {
    provider.type: provider
    for provider in (
        Provider(RegistryType.NODION, "Nodion", None, False),
        Provider(RegistryType.DOCKER_HUB, "Docker Hub", "docker.io", False),
        Provider(RegistryType.GHCR, "GitHub Container Registry", "ghcr.io", False),
        Provider(RegistryType.CUSTOM, "Custom (any OCI registry)", None, True),
    )
}
