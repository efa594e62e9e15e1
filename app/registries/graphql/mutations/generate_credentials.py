from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from app.graphql.core.errors import NotFoundError, NotSupportedError, PermissionDeniedError
from app.graphql.core.ids import decode_id
from app.graphql.core.permissions import AUTHENTICATED
from app.graphql.core.results import domain_result
from app.registries import service
from app.registries.graphql.errors import CredentialsAlreadyGeneratedError
from app.registries.graphql.types import RegistryCredentials, RegistryNode


@strawberry.type
class GenerateCredentialsSuccess:
    registry: RegistryNode
    credentials: RegistryCredentials


GenerateCredentialsResult = Annotated[
    GenerateCredentialsSuccess
    | NotFoundError
    | PermissionDeniedError
    | CredentialsAlreadyGeneratedError
    | NotSupportedError,
    strawberry.union("GenerateCredentialsResult"),
]


@strawberry.type
class GenerateCredentials:
    @strawberry.mutation(
        permission_classes=AUTHENTICATED,
        description="Create the push/pull token of a Nodion registry. It is returned once.",
    )
    @domain_result
    async def generate_credentials(
        self, info: Info, registry_id: strawberry.ID
    ) -> GenerateCredentialsResult:
        registry, made = await service.generate_credentials(
            info.context.user, decode_id(registry_id, "Registry"), info.context.keys
        )
        return GenerateCredentialsSuccess(
            registry=registry,  # type: ignore[arg-type]  # a Registry row stands in for the type
            credentials=RegistryCredentials(
                hostname=made.hostname,
                username=made.username,
                token=made.token,
                docker_login=made.docker_login,
            ),
        )
