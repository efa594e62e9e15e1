from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from app.graphql.core.errors import (
    ConflictError,
    NotFoundError,
    NotSupportedError,
    PermissionDeniedError,
    ValidationError,
)
from app.graphql.core.ids import decode_id
from app.graphql.core.permissions import AUTHENTICATED
from app.graphql.core.results import domain_result
from app.registries import service
from app.registries.graphql.errors import RegistryVerificationError
from app.registries.graphql.types import RegistryNode


@strawberry.input
class UpdateCredentialsInput:
    registry_id: strawberry.ID
    username: str | None = None
    token: str | None = strawberry.field(
        default=None, description="Write-only. Both empty makes the registry anonymous."
    )
    verify: bool = strawberry.field(
        default=True, description="Check the new credentials before saving."
    )


@strawberry.type
class UpdateCredentialsSuccess:
    registry: RegistryNode


UpdateCredentialsResult = Annotated[
    UpdateCredentialsSuccess
    | ValidationError
    | NotFoundError
    | PermissionDeniedError
    | NotSupportedError
    | RegistryVerificationError
    | ConflictError,
    strawberry.union("UpdateCredentialsResult"),
]


@strawberry.type
class UpdateCredentials:
    @strawberry.mutation(
        permission_classes=AUTHENTICATED,
        description="Replace (or clear) the credentials of a third-party registry.",
    )
    @domain_result
    async def update_credentials(
        self, info: Info, input: UpdateCredentialsInput
    ) -> UpdateCredentialsResult:
        context = info.context
        registry = await service.update_credentials(
            context.user,
            decode_id(input.registry_id, "Registry"),
            input.username,
            input.token,
            context.keys,
            context.outbound,
            verify=input.verify,
        )
        return UpdateCredentialsSuccess(registry=registry)  # type: ignore[arg-type]  # a Registry row stands in for the type
