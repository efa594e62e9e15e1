from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from app.applications import service
from app.applications.graphql.types import DeploymentNode
from app.graphql.core.errors import NotFoundError, PermissionDeniedError, ValidationError
from app.graphql.core.ids import decode_id
from app.graphql.core.permissions import AUTHENTICATED
from app.graphql.core.results import domain_result


@strawberry.type
class DeployApplicationSuccess:
    deployment: DeploymentNode


DeployApplicationResult = Annotated[
    DeployApplicationSuccess | ValidationError | NotFoundError | PermissionDeniedError,
    strawberry.union("DeployApplicationResult"),
]


@strawberry.type
class DeployApplication:
    @strawberry.mutation(
        permission_classes=AUTHENTICATED,
        description="Queue a deployment; a deploy target of the app's region claims it "
        "(DEVELOPER or ADMIN).",
    )
    @domain_result
    async def deploy_application(
        self,
        info: Info,
        application_id: strawberry.ID,
        tag: Annotated[
            str | None,
            strawberry.argument(description="Deploy this tag instead of the application's."),
        ] = None,
    ) -> DeployApplicationResult:
        deployment = await service.deploy(
            info.context.user, decode_id(application_id, "Application"), tag
        )
        return DeployApplicationSuccess(deployment=deployment)  # type: ignore[arg-type]  # a Deployment row stands in for the type
