from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry import relay
from strawberry.types import Info

from app.projects.loaders import PROJECT
from app.projects.nodes import ProjectScopedNode
from app.projects.project_type import ProjectType
from app.registries.graphql.enums import RegistryTypeEnum, VerificationStatusEnum
from app.registries.loaders import REGISTRY
from app.registries.models import Registry


@strawberry.type(
    name="Registry",
    description="A container registry of a project. Secrets are write-only: no field "
    "returns a token, decrypted or encrypted.",
)
class RegistryNode(ProjectScopedNode):
    """Resolved straight from `Registry` rows: resolvers return models."""

    model = Registry
    loader = REGISTRY

    id: relay.NodeID[int]
    type: RegistryTypeEnum
    name: str
    hostname: str
    region: str | None = strawberry.field(description="Set for Nodion registries only.")
    is_default: bool = strawberry.field(
        description="The registry Nodion uses for builds in this region."
    )
    username: str | None
    has_credentials: bool
    anonymous: bool = strawberry.field(
        description="A third-party registry without credentials: public images, pulled anonymously."
    )
    token_hint: str | None = strawberry.field(
        description="Last four characters of the stored token, to tell tokens apart."
    )
    credentials_created_at: datetime | None
    credentials_updated_at: datetime | None
    last_used_at: datetime | None
    created_at: datetime
    ca_certificate: str | None = strawberry.field(
        description="PEM of the private CA trusted for this custom registry."
    )
    verification_status: VerificationStatusEnum | None = strawberry.field(
        description="Result of the last check of a third-party registry; "
        "NOT_VERIFIED when it was saved with verify: false."
    )
    verification_message: str | None
    last_verified_at: datetime | None
    project_id: strawberry.Private[int]

    @strawberry.field
    async def project(self, info: Info) -> ProjectType:
        return await info.context.loaders[PROJECT].load(self.project_id)  # type: ignore[no-any-return]  # a Project row stands in for the type


@strawberry.type(name="RegistryProvider")
class RegistryProvider:
    type: RegistryTypeEnum
    display_name: str
    default_hostname: str | None
    hostname_required: bool


@strawberry.type(name="Region")
class Region:
    slug: str
    name: str
    registry_hostname: str


@strawberry.type(description="Shown once; Nodion cannot show the token again.")
class RegistryCredentials:
    hostname: str
    username: str
    token: str
    docker_login: str = strawberry.field(
        description="The login command; pass the token on standard input."
    )
