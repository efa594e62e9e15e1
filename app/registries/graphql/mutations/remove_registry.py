from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from app.graphql.core.errors import ConflictError, NotFoundError, PermissionDeniedError
from app.graphql.core.ids import decode_id, encode_id
from app.graphql.core.permissions import AUTHENTICATED
from app.graphql.core.results import domain_result
from app.projects.loaders import PROJECT
from app.projects.project_type import ProjectType
from app.registries import service


@strawberry.type
class RemoveRegistrySuccess:
    removed_registry_id: strawberry.ID
    project: ProjectType


RemoveRegistryResult = Annotated[
    RemoveRegistrySuccess | NotFoundError | PermissionDeniedError | ConflictError,
    strawberry.union("RemoveRegistryResult"),
]


@strawberry.type
class RemoveRegistry:
    @strawberry.mutation(
        permission_classes=AUTHENTICATED,
        description="Remove a registry; a Nodion registry's token stops working at once.",
    )
    @domain_result
    async def remove_registry(self, info: Info, registry_id: strawberry.ID) -> RemoveRegistryResult:
        registry = await service.remove_registry(
            info.context.user, decode_id(registry_id, "Registry"), info.context.hooks
        )
        return RemoveRegistrySuccess(
            removed_registry_id=strawberry.ID(encode_id("Registry", registry.id)),
            project=await info.context.loaders[PROJECT].load(registry.project_id),
        )
