from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from app.graphql.core.errors import (
    NotFoundError,
    NotSupportedError,
    PermissionDeniedError,
    ValidationError,
)
from app.graphql.core.ids import decode_id
from app.graphql.core.permissions import AUTHENTICATED
from app.graphql.core.results import domain_result
from app.registries import verification
from app.registries.graphql.enums import ImageStatusEnum
from app.registries.graphql.errors import CredentialsUnreadableError
from app.registries.graphql.types import Region, RegistryProvider
from app.registries.providers import PROVIDERS
from app.registries.statuses import ImageStatus


@strawberry.type(description="Whether an image exists in a registry.")
class ImageCheck:
    status: ImageStatusEnum
    digest: str | None = strawberry.field(description="The manifest digest, when FOUND.")
    message: str


CheckImageResult = Annotated[
    ImageCheck
    | ValidationError
    | NotFoundError
    | PermissionDeniedError
    | NotSupportedError
    | CredentialsUnreadableError,
    strawberry.union("CheckImageResult"),
]


@strawberry.type
class RegistryQueries:
    @strawberry.field(permission_classes=AUTHENTICATED)
    def regions(self, info: Info) -> list[Region]:
        settings = info.context.settings
        return [
            Region(
                slug=region.slug,
                name=region.name,
                registry_hostname=settings.registry_hostname(region.slug),
            )
            for region in settings.regions
        ]

    @strawberry.field(
        permission_classes=AUTHENTICATED,
        description="Check that an image exists in a third-party registry (DEVELOPER or ADMIN).",
    )
    @domain_result
    async def check_image(
        self, info: Info, registry_id: strawberry.ID, image: str, tag: str = "latest"
    ) -> CheckImageResult:
        context = info.context
        outcome = await verification.check_image(
            context.user,
            decode_id(registry_id, "Registry"),
            image,
            tag,
            context.outbound,
            context.keys,
        )
        return ImageCheck(
            status=ImageStatus(outcome.status), digest=outcome.digest, message=outcome.message
        )

    @strawberry.field(permission_classes=AUTHENTICATED)
    def registry_providers(self) -> list[RegistryProvider]:
        return [
            RegistryProvider(
                type=p.type,
                display_name=p.display_name,
                default_hostname=p.default_hostname,
                hostname_required=p.hostname_required,
            )
            for p in PROVIDERS.values()
        ]
