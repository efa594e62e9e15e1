from __future__ import annotations

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
from app.registries.graphql.types import RegistryNode
from app.registries.images import service
from app.registries.models import Registry


@strawberry.input
class SetRetentionPolicyInput:
    registry_id: strawberry.ID
    keep_last: int | None = strawberry.field(
        default=None, description="Keep each repository's newest tags, this many."
    )
    older_than_days: int | None = strawberry.field(
        default=None, description="Delete only tags pushed more than this many days ago."
    )
    repositories: list[str] = strawberry.field(
        default_factory=list,
        description="Globs over repository names (e.g. `shop/*`); empty: every repository.",
    )


@strawberry.type
class RetentionPolicyType:
    keep_last: int | None
    older_than_days: int | None
    repositories: list[str]


@strawberry.type
class SetRetentionPolicySuccess:
    registry: RegistryNode
    policy: RetentionPolicyType | None = strawberry.field(
        description="Null: both limits were unset, and the policy removed."
    )


SetRetentionPolicyResult = Annotated[
    SetRetentionPolicySuccess
    | ValidationError
    | NotFoundError
    | PermissionDeniedError
    | NotSupportedError,
    strawberry.union("SetRetentionPolicyResult"),
]


@strawberry.type
class SetRetentionPolicy:
    @strawberry.mutation(
        permission_classes=AUTHENTICATED,
        description="Which tags `nodion admin apply-retention` (and the periodic run) deletes "
        "from a Nodion registry (ADMIN). Never a tag an application or a deployment of the "
        "last 24 hours uses.",
    )
    @domain_result
    async def set_retention_policy(
        self, info: Info, input: SetRetentionPolicyInput
    ) -> SetRetentionPolicyResult:
        registry_id = decode_id(input.registry_id, "Registry")
        policy = await service.set_retention_policy(
            info.context.user,
            registry_id,
            service.NewRetentionPolicy(input.keep_last, input.older_than_days, input.repositories),
        )
        return SetRetentionPolicySuccess(
            registry=await Registry.get(id=registry_id),  # type: ignore[arg-type]  # a Registry row stands in for the type
            policy=RetentionPolicyType(
                keep_last=policy.keep_last,
                older_than_days=policy.older_than_days,
                repositories=list(policy.repositories),
            )
            if policy
            else None,
        )
