from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from app.graphql.core.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from app.graphql.core.ids import decode_id
from app.graphql.core.permissions import AUTHENTICATED
from app.graphql.core.results import domain_result
from app.registries import service
from app.registries.graphql.enums import RegistryTypeEnum
from app.registries.graphql.errors import RegistryVerificationError
from app.registries.graphql.types import RegistryNode
from app.registries.models import RegistryType


@strawberry.input
class AddRegistryInput:
    project_id: strawberry.ID
    type: RegistryTypeEnum
    name: str | None = None
    hostname: str | None = strawberry.field(
        default=None,
        description="host[:port]; required for CUSTOM. DOCKER_HUB is always docker.io (its aliases "
        "index.docker.io, registry-1.docker.io and registry.hub.docker.com are accepted), GHCR "
        "always ghcr.io; any other host is a CUSTOM registry.",
    )
    region: str | None = strawberry.field(default=None, description="Required for NODION.")
    username: str | None = None
    token: str | None = strawberry.field(
        default=None, description="Write-only. Leave username and token empty for anonymous pulls."
    )
    ca_certificate: str | None = strawberry.field(
        default=None, description="CUSTOM only: PEM of a private CA to trust."
    )
    verify: bool = strawberry.field(
        default=True, description="Check the registry and credentials before saving."
    )


@strawberry.type
class AddRegistrySuccess:
    registry: RegistryNode


AddRegistryResult = Annotated[
    AddRegistrySuccess
    | ValidationError
    | NotFoundError
    | PermissionDeniedError
    | RegistryVerificationError
    | ConflictError,
    strawberry.union("AddRegistryResult"),
]


@strawberry.type
class AddRegistry:
    @strawberry.mutation(
        permission_classes=AUTHENTICATED,
        description="Connect a third-party registry, or add a fresh Nodion registry in a region.",
    )
    @domain_result
    async def add_registry(self, info: Info, input: AddRegistryInput) -> AddRegistryResult:
        spec = service.NewRegistry(
            type=RegistryType(input.type),
            name=input.name,
            hostname=input.hostname,
            region=input.region,
            username=input.username,
            token=input.token,
            ca_certificate=input.ca_certificate,
            verify=input.verify,
        )
        context = info.context
        registry = await service.add_registry(
            context.user,
            decode_id(input.project_id, "Project"),
            spec,
            context.settings,
            context.keys,
            context.outbound,
        )
        return AddRegistrySuccess(registry=registry)  # type: ignore[arg-type]  # a Registry row stands in for the type
