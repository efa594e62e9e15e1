from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from app.graphql.core.errors import ConflictError, NotFoundError, PermissionDeniedError
from app.graphql.core.ids import decode_id
from app.graphql.core.permissions import AUTHENTICATED
from app.graphql.core.results import domain_result
from app.registries import access_tokens
from app.registries.graphql.types import RegistryTokenNode


@strawberry.type
class RevokeRegistryTokenSuccess:
    token: RegistryTokenNode


RevokeRegistryTokenResult = Annotated[
    RevokeRegistryTokenSuccess | NotFoundError | PermissionDeniedError | ConflictError,
    strawberry.union("RevokeRegistryTokenResult"),
]


@strawberry.type
class RevokeRegistryToken:
    @strawberry.mutation(
        permission_classes=AUTHENTICATED,
        description="Stop an access token at once, on every worker and host (ADMIN).",
    )
    @domain_result
    async def revoke_registry_token(
        self, info: Info, token_id: strawberry.ID
    ) -> RevokeRegistryTokenResult:
        token = await access_tokens.revoke_token(
            info.context.user, decode_id(token_id, "RegistryToken")
        )
        return RevokeRegistryTokenSuccess(token=token)  # type: ignore[arg-type]  # a RegistryToken row stands in for the type
