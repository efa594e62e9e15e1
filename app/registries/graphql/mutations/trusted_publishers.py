from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from app.errors import ValidationFailed
from app.graphql.core.errors import (
    ConflictError,
    NotFoundError,
    NotSupportedError,
    PermissionDeniedError,
    ValidationError,
)
from app.graphql.core.ids import decode_id, encode_id
from app.graphql.core.permissions import AUTHENTICATED
from app.graphql.core.results import domain_result
from app.registries import publishers
from app.registries.graphql.enums import PublisherProviderEnum
from app.registries.graphql.types import RegistryNode, TrustedPublisherNode
from app.registries.loaders import REGISTRY


@strawberry.input(description="A claim of a CUSTOM_OIDC token and the exact value it must have.")
class TrustedPublisherClaimInput:
    claim: str
    value: str


@strawberry.input(
    description="Fields that do not apply to the provider are refused with a ValidationError. "
    "GITHUB_ACTIONS: repository (required), workflow, environment, ref, caCertificate "
    "(GitHub Enterprise Server). GITLAB: issuer "
    "(default https://gitlab.com), caCertificate, projectPath (required), ref, refType, "
    "environment. CUSTOM_OIDC: issuer (required; not GitHub Actions' or gitlab.com's, which "
    "take their own provider), caCertificate, subject (required), claims. Every publisher "
    "binds an identity claim to an exact value: a CUSTOM_OIDC subject is exact unless a "
    "claim names the pipeline."
)
class AddTrustedPublisherInput:
    registry_id: strawberry.ID
    provider: PublisherProviderEnum
    issuer: str | None = strawberry.field(
        default=None,
        description="https URL; GITHUB_ACTIONS uses the service's setting. A built-in "
        "provider's issuer is refused for another provider.",
    )
    audience: str | None = strawberry.field(
        default=None, description="The `aud` its tokens carry; default: the registry's hostname."
    )
    ca_certificate: str | None = strawberry.field(
        default=None, description="PEM of a private CA to trust for the issuer's https."
    )
    repository: str | None = strawberry.field(default=None, description="GitHub owner/name.")
    workflow: str | None = strawberry.field(
        default=None, description="GitHub workflow file name, e.g. release.yml."
    )
    environment: str | None = None
    ref: str | None = strawberry.field(
        default=None, description="Exact or a glob, e.g. refs/heads/main or refs/tags/v*."
    )
    project_path: str | None = strawberry.field(default=None, description="GitLab group/project.")
    ref_type: str | None = strawberry.field(default=None, description="GitLab: branch or tag.")
    subject: str | None = strawberry.field(
        default=None,
        description="CUSTOM_OIDC: the `sub`; exact, or a glob beside a claim that names "
        "the pipeline exactly (e.g. repository).",
    )
    claims: list[TrustedPublisherClaimInput] | None = strawberry.field(
        default=None, description="CUSTOM_OIDC: more claims and their exact values."
    )
    repositories: list[str] | None = strawberry.field(
        default=None,
        description="Repositories it may push to, globs under the project's namespace; "
        "default `<namespace>/*`.",
    )


@strawberry.type
class AddTrustedPublisherSuccess:
    publisher: TrustedPublisherNode


AddTrustedPublisherResult = Annotated[
    AddTrustedPublisherSuccess
    | ValidationError
    | NotFoundError
    | PermissionDeniedError
    | NotSupportedError
    | ConflictError,
    strawberry.union("AddTrustedPublisherResult"),
]


@strawberry.type
class RemoveTrustedPublisherSuccess:
    removed_publisher_id: strawberry.ID
    registry: RegistryNode


RemoveTrustedPublisherResult = Annotated[
    RemoveTrustedPublisherSuccess | NotFoundError | PermissionDeniedError,
    strawberry.union("RemoveTrustedPublisherResult"),
]


@strawberry.type
class TrustedPublisherMutations:
    @strawberry.mutation(
        permission_classes=AUTHENTICATED,
        description="Let a CI identity push to a Nodion registry with its OIDC token (ADMIN).",
    )
    @domain_result
    async def add_trusted_publisher(
        self, info: Info, input: AddTrustedPublisherInput
    ) -> AddTrustedPublisherResult:
        names = [claim.claim for claim in input.claims or []]
        if len(set(names)) != len(names):  # a dict kept the last value only, silently
            raise ValidationFailed("claims", "Name each claim once, with its one value.")
        spec = publishers.PublisherSpec(
            provider=input.provider,
            issuer=input.issuer,
            audience=input.audience,
            ca_certificate=input.ca_certificate,
            repository=input.repository,
            workflow=input.workflow,
            environment=input.environment,
            ref=input.ref,
            project_path=input.project_path,
            ref_type=input.ref_type,
            subject=input.subject,
            claims={claim.claim: claim.value for claim in input.claims or []},
            repositories=input.repositories,
        )
        publisher = await publishers.add_publisher(
            info.context.user,
            decode_id(input.registry_id, "Registry"),
            spec,
            info.context.settings,
        )
        return AddTrustedPublisherSuccess(publisher=publisher)  # type: ignore[arg-type]  # a TrustedPublisher row stands in for the type

    @strawberry.mutation(
        permission_classes=AUTHENTICATED,
        description="Remove a trusted publisher (ADMIN): the credentials it was given stop "
        "at once, on every worker.",
    )
    @domain_result
    async def remove_trusted_publisher(
        self, info: Info, publisher_id: strawberry.ID
    ) -> RemoveTrustedPublisherResult:
        removed = await publishers.remove_publisher(
            info.context.user, decode_id(publisher_id, "TrustedPublisher")
        )
        return RemoveTrustedPublisherSuccess(
            removed_publisher_id=strawberry.ID(encode_id("TrustedPublisher", removed.id)),
            registry=await info.context.loaders[REGISTRY].load(removed.registry_id),
        )
