from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from app.graphql.core.errors import (
    ConflictError,
    NotFoundError,
    NotSupportedError,
    PermissionDeniedError,
)
from app.graphql.core.ids import decode_id
from app.graphql.core.permissions import AUTHENTICATED
from app.graphql.core.results import domain_result
from app.registries.graphql.errors import RegistryUnreachableError
from app.registries.graphql.types import RegistryNode
from app.registries.images import service


@strawberry.input
class DeleteImageTagInput:
    registry_id: strawberry.ID
    repository: str = strawberry.field(description="The full path, e.g. `shop/web`.")
    tag: str
    force: bool = strawberry.field(
        default=False,
        description="Delete although an application or a deployment of the last 24 hours "
        "uses its digest, or other tags name the same manifest (they go with it).",
    )


@strawberry.type
class DeleteImageTagSuccess:
    registry: RegistryNode
    repository: str
    tag: str
    digest: str
    also_removed_tags: list[str] = strawberry.field(
        description="Other tags of the same manifest, deleted with it."
    )


DeleteImageTagResult = Annotated[
    DeleteImageTagSuccess
    | NotFoundError
    | PermissionDeniedError
    | NotSupportedError
    | ConflictError
    | RegistryUnreachableError,
    strawberry.union("DeleteImageTagResult"),
]


@strawberry.type
class DeleteImageTag:
    @strawberry.mutation(
        permission_classes=AUTHENTICATED,
        description="Delete a tag's manifest from a Nodion registry (ADMIN). Its blobs are "
        "freed by the registry's offline garbage collection.",
    )
    @domain_result
    async def delete_image_tag(
        self, info: Info, input: DeleteImageTagInput
    ) -> DeleteImageTagResult:
        context = info.context
        deleted = await service.delete_image_tag(
            context.user,
            decode_id(input.registry_id, "Registry"),
            input.repository,
            input.tag,
            force=input.force,
            settings=context.settings,
            keys=context.keys,
            hooks=context.hooks,
        )
        return DeleteImageTagSuccess(
            registry=deleted.registry,  # type: ignore[arg-type]  # a Registry row stands in for the type
            repository=deleted.repository,
            tag=deleted.tag,
            digest=deleted.digest,
            also_removed_tags=deleted.also_removed,
        )
