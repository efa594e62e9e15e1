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
from app.registries import access_tokens
from app.registries.graphql.enums import RegistryTokenScopeEnum
from app.registries.graphql.types import RegistryCredentials, RegistryTokenNode
from app.registries.settings import RegistriesSettings


@strawberry.input
class CreateRegistryTokenInput:
    registry_id: strawberry.ID
    name: str = strawberry.field(description="1 to 64 characters, unique among active tokens.")
    scope: RegistryTokenScopeEnum
    expires_in: int | None = strawberry.field(
        default=None,
        description="Seconds until it stops working, 300 to 31,536,000 (a year); "
        "null: it does not expire.",
    )


@strawberry.type(description="The new token; `credentials.token` is shown this once.")
class CreateRegistryTokenSuccess:
    token: RegistryTokenNode
    credentials: RegistryCredentials


CreateRegistryTokenResult = Annotated[
    CreateRegistryTokenSuccess
    | ValidationError
    | NotFoundError
    | PermissionDeniedError
    | NotSupportedError
    | ConflictError,
    strawberry.union("CreateRegistryTokenResult"),
]


@strawberry.type
class CreateRegistryToken:
    @strawberry.mutation(
        permission_classes=AUTHENTICATED,
        description="Make another access token of a Nodion registry (ADMIN); it is returned "
        "once. At most 50 active tokens per registry.",
    )
    @domain_result
    async def create_registry_token(
        self, info: Info, input: CreateRegistryTokenInput
    ) -> CreateRegistryTokenResult:
        context = info.context
        token, made = await access_tokens.create_token(
            context.user,
            decode_id(input.registry_id, "Registry"),
            name=input.name,
            scope=input.scope,
            expires_in=input.expires_in,
            keys=context.keys,
            shortest_expiry=RegistriesSettings.of(context.settings).registry_token_min_expires_in,
        )
        return CreateRegistryTokenSuccess(
            token=token,  # type: ignore[arg-type]  # a RegistryToken row stands in for the type
            credentials=RegistryCredentials.of(made),
        )
