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
    token: RegistryTokenNode = strawberry.field(description="The secret the request named.")
    revoked_with_it: list[RegistryTokenNode] = strawberry.field(
        description="The token's other secrets that still worked (after a rotation: the "
        "previous secret in its grace period, or the one that replaced it), revoked with it: "
        "a token stops as a whole, whichever of its secrets is named."
    )


RevokeRegistryTokenResult = Annotated[
    RevokeRegistryTokenSuccess | NotFoundError | PermissionDeniedError | ConflictError,
    strawberry.union("RevokeRegistryTokenResult"),
]


@strawberry.type
class RevokeRegistryToken:
    @strawberry.mutation(
        permission_classes=AUTHENTICATED,
        description="Stop an access token at once, on every worker and host (ADMIN): "
        "every secret of it, the previous one in a rotation's grace period included.",
    )
    @domain_result
    async def revoke_registry_token(
        self, info: Info, token_id: strawberry.ID
    ) -> RevokeRegistryTokenResult:
        revoked = await access_tokens.revoke_token(
            info.context.user, decode_id(token_id, "RegistryToken")
        )
        return RevokeRegistryTokenSuccess(
            token=revoked.token,  # type: ignore[arg-type]  # a RegistryToken row stands in for the type
            revoked_with_it=revoked.with_it,  # type: ignore[arg-type]  # rows stand in for the type
        )
