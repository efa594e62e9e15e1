from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from app.applications import service
from app.applications.graphql.types import ApplicationNode, StrategyEnum
from app.applications.models import Strategy
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
class CreateApplicationInput:
    project_id: strawberry.ID
    name: str = strawberry.field(description="A DNS label, unique in the project.")
    region: str
    strategy: StrategyEnum
    container_registry_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="PREBUILT_IMAGE only; empty: the region's default Nodion registry.",
    )
    image: str | None = strawberry.field(
        default=None,
        description="PREBUILT_IMAGE only: e.g. nginx, team/app:1.4 or team/app@sha256:…",
    )
    tag: str | None = strawberry.field(default=None, description="Default: latest.")
    deploy_on_push: bool = strawberry.field(
        default=False,
        description="A push of a new digest to its image and tag in its Nodion registry "
        "deploys that digest.",
    )


@strawberry.type
class CreateApplicationSuccess:
    application: ApplicationNode


CreateApplicationResult = Annotated[
    CreateApplicationSuccess
    | ValidationError
    | NotFoundError
    | PermissionDeniedError
    | ConflictError,
    strawberry.union("CreateApplicationResult"),
]


@strawberry.type
class CreateApplication:
    @strawberry.mutation(
        permission_classes=AUTHENTICATED,
        description="Create an application (DEVELOPER or ADMIN).",
    )
    @domain_result
    async def create_application(
        self, info: Info, input: CreateApplicationInput
    ) -> CreateApplicationResult:
        registry_id = (
            decode_id(input.container_registry_id, "Registry")
            if input.container_registry_id
            else None
        )
        spec = service.NewApplication(
            name=input.name,
            region=input.region,
            strategy=Strategy(input.strategy),
            registry_id=registry_id,
            image=input.image,
            tag=input.tag,
            deploy_on_push=input.deploy_on_push,
        )
        application = await service.create_application(
            info.context.user, decode_id(input.project_id, "Project"), spec, info.context.settings
        )
        return CreateApplicationSuccess(application=application)  # type: ignore[arg-type]  # an Application row stands in for the type
