from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from app.applications import service
from app.graphql.core.errors import NotFoundError, PermissionDeniedError
from app.graphql.core.ids import decode_id, encode_id
from app.graphql.core.permissions import AUTHENTICATED
from app.graphql.core.results import domain_result
from app.projects.project_type import ProjectType


@strawberry.type
class RemoveApplicationSuccess:
    removed_application_id: strawberry.ID
    project: ProjectType


RemoveApplicationResult = Annotated[
    RemoveApplicationSuccess | NotFoundError | PermissionDeniedError,
    strawberry.union("RemoveApplicationResult"),
]


@strawberry.type
class RemoveApplication:
    @strawberry.mutation(
        permission_classes=AUTHENTICATED,
        description="Remove an application and its deployment history (ADMIN only).",
    )
    @domain_result
    async def remove_application(
        self, info: Info, application_id: strawberry.ID
    ) -> RemoveApplicationResult:
        application = await service.remove_application(
            info.context.user, decode_id(application_id, "Application")
        )
        return RemoveApplicationSuccess(
            removed_application_id=strawberry.ID(encode_id("Application", application.id)),
            project=application.project,  # type: ignore[arg-type]  # a Project row stands in for the type
        )
