from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from app.graphql.core.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from app.graphql.core.ids import decode_id
from app.graphql.core.permissions import AUTHENTICATED
from app.graphql.core.results import domain_result
from app.registries import access_tokens
from app.registries.graphql.types import RegistryCredentials, RegistryTokenNode


@strawberry.input
class RotateRegistryTokenInput:
    token_id: strawberry.ID
    grace_period: int = strawberry.field(
        description="Seconds the old token keeps working, 0 (it stops now) to 604,800 (7 days)."
    )


@strawberry.type(description="The new token; `credentials.token` is shown this once.")
class RotateRegistryTokenSuccess:
    token: RegistryTokenNode = strawberry.field(
        description="The new token: same name, scope and expiry length."
    )
    credentials: RegistryCredentials
    replaced: RegistryTokenNode = strawberry.field(
        description="The old secret, EXPIRING until its grace period ends."
    )
    grace_ended: list[RegistryTokenNode] = strawberry.field(
        description="An older secret that was still in its grace period from an earlier "
        "rotation, and stopped working now: a token keeps at most one previous secret "
        "working. Empty when there was none."
    )


RotateRegistryTokenResult = Annotated[
    RotateRegistryTokenSuccess
    | ValidationError
    | NotFoundError
    | PermissionDeniedError
    | ConflictError,
    strawberry.union("RotateRegistryTokenResult"),
]


@strawberry.type
class RotateRegistryToken:
    @strawberry.mutation(
        permission_classes=AUTHENTICATED,
        description="Replace an access token's secret (ADMIN): a new one is returned once, "
        "and the old one keeps working for `gracePeriod` seconds. A secret still in its "
        "grace period from an earlier rotation stops now (see `graceEnded`).",
    )
    @domain_result
    async def rotate_registry_token(
        self, info: Info, input: RotateRegistryTokenInput
    ) -> RotateRegistryTokenResult:
        rotated = await access_tokens.rotate_token(
            info.context.user,
            decode_id(input.token_id, "RegistryToken"),
            input.grace_period,
            info.context.keys,
        )
        return RotateRegistryTokenSuccess(
            token=rotated.new,  # type: ignore[arg-type]  # a RegistryToken row stands in for the type
            credentials=RegistryCredentials.of(rotated.credentials),
            replaced=rotated.old,  # type: ignore[arg-type]  # a RegistryToken row stands in for the type
            grace_ended=rotated.grace_ended,  # type: ignore[arg-type]  # rows stand in for the type
        )
