from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Annotated

import strawberry
from strawberry import relay
from strawberry.types import Info

from app.graphql.errors import (
    ConflictError,
    CredentialsAlreadyGeneratedError,
    CredentialsUnreadableError,
    NotFoundError,
    NotSupportedError,
    PermissionDeniedError,
    RegistryVerificationError,
    ValidationError,
)
from app.graphql.ids import decode_id, encode_id, node_id_int
from app.graphql.permissions import AUTHENTICATED
from app.graphql.results import result_of
from app.projects.graphql import ProjectNode
from app.registries import service, verification
from app.registries.graphql_enums import ImageStatusEnum, RegistryTypeEnum, VerificationStatusEnum
from app.registries.models import Registry, RegistryType, VerificationStatus
from app.registries.providers import PROVIDERS
from app.registries.v2_client import ImageStatus


@strawberry.type(
    name="Registry",
    description="A container registry of a project. Secrets are write-only: no field "
    "returns a token, decrypted or encrypted.",
)
class RegistryNode(relay.Node):
    id: relay.NodeID[int]
    type: RegistryTypeEnum
    name: str
    hostname: str
    region: str | None = strawberry.field(description="Set for Nodion registries only.")
    is_default: bool = strawberry.field(
        description="The registry Nodion uses for builds in this region."
    )
    username: str | None
    has_credentials: bool
    anonymous: bool = strawberry.field(
        description="A third-party registry without credentials: public images, pulled anonymously."
    )
    token_hint: str | None = strawberry.field(
        description="Last four characters of the stored token, to tell tokens apart."
    )
    credentials_created_at: datetime | None
    credentials_updated_at: datetime | None
    last_used_at: datetime | None
    created_at: datetime
    ca_certificate: str | None = strawberry.field(
        description="PEM of the private CA trusted for this custom registry."
    )
    verification_status: VerificationStatusEnum | None = strawberry.field(
        description="Result of the last check of a third-party registry; "
        "NOT_VERIFIED when it was saved with verify: false."
    )
    verification_message: str | None
    last_verified_at: datetime | None
    project_id: strawberry.Private[int]

    @classmethod
    def from_model(cls, registry: Registry) -> RegistryNode:
        return cls(
            id=registry.id,
            type=registry.type,
            name=registry.name,
            hostname=registry.hostname,
            region=registry.region,
            is_default=registry.is_default,
            username=registry.username,
            has_credentials=registry.has_credentials,
            anonymous=registry.type is not RegistryType.NODION and not registry.has_credentials,
            token_hint=registry.token_hint,
            credentials_created_at=registry.credentials_created_at,
            credentials_updated_at=registry.credentials_updated_at,
            last_used_at=registry.last_used_at,
            created_at=registry.created_at,
            ca_certificate=registry.ca_certificate,
            verification_status=registry.verification_status,
            verification_message=registry.verification_message,
            last_verified_at=registry.last_verified_at,
            project_id=registry.project_id,
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[RegistryNode | None]:
        loaders = info.context.loaders
        ids = [node_id_int(node_id) for node_id in node_ids]
        rows = await loaders.registry.load_many([i for i in ids if i is not None])
        by_id = {row.id: row for row in rows if row is not None}
        roles = await loaders.role.load_many([row.project_id for row in by_id.values()])
        visible = {
            row.id for row, role in zip(by_id.values(), roles, strict=True) if role is not None
        }
        return [cls.from_model(by_id[i]) if i in visible else None for i in ids]

    @strawberry.field
    async def project(self, info: Info) -> ProjectNode:
        project = await info.context.loaders.project.load(self.project_id)
        return ProjectNode.from_model(project)


@strawberry.type(name="RegistryProvider")
class RegistryProviderNode:
    type: RegistryTypeEnum
    display_name: str
    default_hostname: str | None
    hostname_required: bool


@strawberry.type(name="Region")
class RegionNode:
    slug: str
    name: str
    registry_hostname: str


@strawberry.type(description="Shown once; Nodion cannot show the token again.")
class RegistryCredentials:
    hostname: str
    username: str
    token: str
    docker_login: str = strawberry.field(
        description="The login command; pass the token on standard input."
    )


@strawberry.input
class AddRegistryInput:
    project_id: strawberry.ID
    type: RegistryTypeEnum
    name: str | None = None
    hostname: str | None = strawberry.field(
        default=None, description="host[:port]; auto-filled for DOCKER_HUB and GHCR."
    )
    region: str | None = strawberry.field(default=None, description="Required for NODION.")
    username: str | None = None
    token: str | None = strawberry.field(
        default=None, description="Write-only. Leave username and token empty for anonymous pulls."
    )
    ca_certificate: str | None = strawberry.field(
        default=None, description="CUSTOM only: PEM of a private CA to trust."
    )
    verify: bool = strawberry.field(
        default=True, description="Check the registry and credentials before saving."
    )


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
class AddRegistrySuccess:
    registry: RegistryNode


@strawberry.type
class GenerateCredentialsSuccess:
    registry: RegistryNode
    credentials: RegistryCredentials


@strawberry.type
class UpdateCredentialsSuccess:
    registry: RegistryNode


@strawberry.type
class RemoveRegistrySuccess:
    removed_registry_id: strawberry.ID
    project: ProjectNode


AddRegistryResult = Annotated[
    AddRegistrySuccess
    | ValidationError
    | NotFoundError
    | PermissionDeniedError
    | RegistryVerificationError,
    strawberry.union("AddRegistryResult"),
]
GenerateCredentialsResult = Annotated[
    GenerateCredentialsSuccess
    | NotFoundError
    | PermissionDeniedError
    | CredentialsAlreadyGeneratedError
    | NotSupportedError,
    strawberry.union("GenerateCredentialsResult"),
]
UpdateCredentialsResult = Annotated[
    UpdateCredentialsSuccess
    | ValidationError
    | NotFoundError
    | PermissionDeniedError
    | NotSupportedError
    | RegistryVerificationError,
    strawberry.union("UpdateCredentialsResult"),
]
RemoveRegistryResult = Annotated[
    RemoveRegistrySuccess | NotFoundError | PermissionDeniedError | ConflictError,
    strawberry.union("RemoveRegistryResult"),
]


@strawberry.type(description="The outcome of checking a third-party registry.")
class RegistryVerification:
    status: VerificationStatusEnum
    message: str = strawberry.field(description="What happened, and what to fix.")
    checked_at: datetime
    registry: RegistryNode


@strawberry.type(description="Whether an image exists in a registry.")
class ImageCheck:
    status: ImageStatusEnum
    digest: str | None = strawberry.field(description="The manifest digest, when FOUND.")
    message: str


VerifyRegistryResult = Annotated[
    RegistryVerification
    | NotFoundError
    | PermissionDeniedError
    | NotSupportedError
    | CredentialsUnreadableError,
    strawberry.union("VerifyRegistryResult"),
]
CheckImageResult = Annotated[
    ImageCheck
    | ValidationError
    | NotFoundError
    | PermissionDeniedError
    | NotSupportedError
    | CredentialsUnreadableError,
    strawberry.union("CheckImageResult"),
]


@strawberry.type
class RegistryQueries:
    @strawberry.field(permission_classes=AUTHENTICATED)
    def regions(self, info: Info) -> list[RegionNode]:
        settings = info.context.settings
        return [
            RegionNode(
                slug=region.slug,
                name=region.name,
                registry_hostname=settings.registry_hostname(region.slug),
            )
            for region in settings.regions
        ]

    @strawberry.field(
        permission_classes=AUTHENTICATED,
        description="Check that an image exists in a third-party registry (DEVELOPER or ADMIN).",
    )
    async def check_image(
        self, info: Info, registry_id: strawberry.ID, image: str, tag: str = "latest"
    ) -> CheckImageResult:
        async def run() -> ImageCheck:
            outcome = await verification.check_image(
                info.context.user,
                decode_id(registry_id, "Registry"),
                image,
                tag,
                info.context.outbound,
                info.context.keys,
            )
            return ImageCheck(
                status=ImageStatus(outcome.status), digest=outcome.digest, message=outcome.message
            )

        return await result_of(run())

    @strawberry.field(permission_classes=AUTHENTICATED)
    def registry_providers(self) -> list[RegistryProviderNode]:
        return [
            RegistryProviderNode(
                type=p.type,
                display_name=p.display_name,
                default_hostname=p.default_hostname,
                hostname_required=p.hostname_required,
            )
            for p in PROVIDERS.values()
        ]


@strawberry.type
class RegistryMutations:
    @strawberry.mutation(
        permission_classes=AUTHENTICATED,
        description="Connect a third-party registry, or add a fresh Nodion registry in a region.",
    )
    async def add_registry(self, info: Info, input: AddRegistryInput) -> AddRegistryResult:
        async def run() -> AddRegistrySuccess:
            spec = service.NewRegistry(
                type=RegistryType(input.type),
                name=input.name,
                hostname=input.hostname,
                region=input.region,
                username=input.username,
                token=input.token,
                ca_certificate=input.ca_certificate,
                verify=input.verify,
            )
            registry = await service.add_registry(
                info.context.user,
                decode_id(input.project_id, "Project"),
                spec,
                info.context.settings,
                info.context.keys,
                info.context.outbound,
            )
            return AddRegistrySuccess(registry=RegistryNode.from_model(registry))

        return await result_of(run())

    @strawberry.mutation(
        permission_classes=AUTHENTICATED,
        description="Create the push/pull token of a Nodion registry. It is returned once.",
    )
    async def generate_credentials(
        self, info: Info, registry_id: strawberry.ID
    ) -> GenerateCredentialsResult:
        async def run() -> GenerateCredentialsSuccess:
            registry, made = await service.generate_credentials(
                info.context.user, decode_id(registry_id, "Registry"), info.context.keys
            )
            return GenerateCredentialsSuccess(
                registry=RegistryNode.from_model(registry),
                credentials=RegistryCredentials(
                    hostname=made.hostname,
                    username=made.username,
                    token=made.token,
                    docker_login=made.docker_login,
                ),
            )

        return await result_of(run())

    @strawberry.mutation(
        permission_classes=AUTHENTICATED,
        description="Replace (or clear) the credentials of a third-party registry.",
    )
    async def update_credentials(
        self, info: Info, input: UpdateCredentialsInput
    ) -> UpdateCredentialsResult:
        async def run() -> UpdateCredentialsSuccess:
            registry = await service.update_credentials(
                info.context.user,
                decode_id(input.registry_id, "Registry"),
                input.username,
                input.token,
                info.context.keys,
                info.context.outbound,
                verify=input.verify,
            )
            return UpdateCredentialsSuccess(registry=RegistryNode.from_model(registry))

        return await result_of(run())

    @strawberry.mutation(
        permission_classes=AUTHENTICATED,
        description="Connect to a third-party registry with its stored credentials and keep "
        "the result (DEVELOPER or ADMIN).",
    )
    async def verify_registry(self, info: Info, registry_id: strawberry.ID) -> VerifyRegistryResult:
        async def run() -> RegistryVerification:
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
                registry=RegistryNode.from_model(registry),
            )

        return await result_of(run())

    @strawberry.mutation(
        permission_classes=AUTHENTICATED,
        description="Remove a registry; a Nodion registry's token stops working at once.",
    )
    async def remove_registry(self, info: Info, registry_id: strawberry.ID) -> RemoveRegistryResult:
        async def run() -> RemoveRegistrySuccess:
            registry = await service.remove_registry(
                info.context.user, decode_id(registry_id, "Registry")
            )
            project = await info.context.loaders.project.load(registry.project_id)
            return RemoveRegistrySuccess(
                removed_registry_id=strawberry.ID(encode_id("Registry", registry.id)),
                project=ProjectNode.from_model(project),
            )

        return await result_of(run())
