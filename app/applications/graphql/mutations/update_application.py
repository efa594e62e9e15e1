from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from app.applications import service
from app.applications.graphql.types import ApplicationNode
from app.graphql.core.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from app.graphql.core.ids import decode_id
from app.graphql.core.permissions import AUTHENTICATED
from app.graphql.core.results import domain_result


@strawberry.input
class UpdateApplicationInput:
    application_id: strawberry.ID
    container_registry_id: strawberry.ID | None = None
    image: str | None = None
    tag: str | None = None
    deploy_on_push: bool | None = strawberry.field(
        default=None,
        description="A push of a new digest to its image and tag in its Nodion registry "
        "deploys that digest.",
    )


@strawberry.type
class UpdateApplicationSuccess:
    application: ApplicationNode


UpdateApplicationResult = Annotated[
    UpdateApplicationSuccess
    | ValidationError
    | NotFoundError
    | PermissionDeniedError
    | ConflictError,
    strawberry.union("UpdateApplicationResult"),
]


@strawberry.type
class UpdateApplication:
    @strawberry.mutation(
        permission_classes=AUTHENTICATED,
        description="Change an application's registry, image or tag (DEVELOPER or ADMIN).",
    )
    @domain_result
    async def update_application(
        self, info: Info, input: UpdateApplicationInput
    ) -> UpdateApplicationResult:
        change = service.ApplicationChange(
            registry_id=(
                decode_id(input.container_registry_id, "Registry")
                if input.container_registry_id
                else None
            ),
            image=input.image,
            tag=input.tag,
            deploy_on_push=input.deploy_on_push,
        )
        application = await service.update_application(
            info.context.user, decode_id(input.application_id, "Application"), change
        )
        return UpdateApplicationSuccess(application=application)  # type: ignore[arg-type]  # an Application row stands in for the type
