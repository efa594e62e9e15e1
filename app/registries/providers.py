"""What Nodion knows about each kind of registry, in one table."""

from __future__ import annotations

from dataclasses import dataclass

from app.registries.models import RegistryType


@dataclass(frozen=True)
class Provider:
    type: RegistryType
    display_name: str
    default_hostname: str | None
    hostname_required: bool
    accepts_ca_certificate: bool = False
    api_host: str | None = None
    """Where the v2 API of `default_hostname` answers, when that is another host."""
    official_namespace: str | None = None
    """Where one-component names live on `default_hostname` (`nginx` = `library/nginx`)."""
    aliases: tuple[str, ...] = ()
    """Other names of `default_hostname` that people type; stored as `default_hostname`."""

    @property
    def fixed_hostname(self) -> bool:
        """Docker Hub and GHCR live at one known place; only CUSTOM names its own."""
        return self.default_hostname is not None

    @property
    def default_name(self) -> str:
        return self.display_name

    def api_host_for(self, hostname: str) -> str:
        if self.api_host and hostname == self.default_hostname:
            return self.api_host
        return hostname

    def api_repository(self, hostname: str, name: str) -> str:
        """A repository name as the registry's API knows it."""
        if self.official_namespace and hostname == self.default_hostname and "/" not in name:
            return f"{self.official_namespace}/{name}"
        return name


PROVIDERS = {
    provider.type: provider
    for provider in (
        Provider(RegistryType.NODION, "Nodion", None, False),
        Provider(
            RegistryType.DOCKER_HUB,
            "Docker Hub",
            "docker.io",
            False,
            api_host="registry-1.docker.io",
            official_namespace="library",
            # Docker's documented names of the Hub's registry (docker login accepts each).
            aliases=("index.docker.io", "registry-1.docker.io", "registry.hub.docker.com"),
        ),
        Provider(RegistryType.GHCR, "GitHub Container Registry", "ghcr.io", False),
        Provider(
            RegistryType.CUSTOM,
            "Custom (any OCI registry)",
            None,
            True,
            accepts_ca_certificate=True,
        ),
    )
}
