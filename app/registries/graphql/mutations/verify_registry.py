from __future__ import annotations

from datetime import datetime
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
from app.registries.graphql.enums import VerificationStatusEnum
from app.registries.graphql.errors import CredentialsUnreadableError
from app.registries.graphql.types import RegistryNode
from app.registries.statuses import VerificationStatus


@strawberry.type(description="The outcome of checking a third-party registry.")
class RegistryVerification:
    status: VerificationStatusEnum
    message: str = strawberry.field(description="What happened, and what to fix.")
    checked_at: datetime
    registry: RegistryNode


VerifyRegistryResult = Annotated[
    RegistryVerification
    | NotFoundError
    | PermissionDeniedError
    | NotSupportedError
    | CredentialsUnreadableError
    | ValidationError,
    strawberry.union("VerifyRegistryResult"),
]


@strawberry.type
class VerifyRegistry:
    @strawberry.mutation(
        permission_classes=AUTHENTICATED,
        description="Connect to a third-party registry with its stored credentials and keep "
        "the result (DEVELOPER or ADMIN).",
    )
    @domain_result
    async def verify_registry(self, info: Info, registry_id: strawberry.ID) -> VerifyRegistryResult:
        registry, outcome = await verification.verify_registry(
            info.context.user,
            decode_id(registry_id, "Registry"),
            info.context.outbound,
            info.context.keys,
        )
        assert registry.last_verified_at is not None
        return RegistryVerification(
            status=VerificationStatus(outcome.status),
            message=outcome.message,
            checked_at=registry.last_verified_at,
            registry=registry,  # type: ignore[arg-type]  # a Registry row stands in for the type
        )
